import { loadModelSession, type ModelSession } from '../onnx/onnx-session.ts';
import type { HeldOutRows } from './dataset.ts';
import { JobFailure } from './job-types.ts';
import type { CandidateRegistry } from './retrain-ports.ts';
import { iso, type RetrainRun } from './retrain-run.ts';
import { encodable, judgeGate, scoreRows, type GateResult } from './validation-gate.ts';
import { pushAll } from '../core/arrays.ts';

/** Step 3: the validation gate, candidate against the champion on the same held-out rows; the verdict is logged and stored. */
export async function validateCandidate(
  run: RetrainRun,
  onnx: Uint8Array,
  holdout: HeldOutRows,
  championVersion: string | undefined,
  registry: Pick<CandidateRegistry, 'ensureLoaded'>,
): Promise<GateResult> {
  const { ctx } = run;
  ctx.progress({ progress: 0.82, message: 'validating against the champion' });
  const gate = await judgeCandidate(run, onnx, holdout, championVersion, registry);
  ctx.log(
    `validation ${gate.status}: candidate AUC ${gate.candidate?.auc ?? 'n/a'}, log loss ${gate.candidate?.logLoss ?? 'n/a'}` +
      (gate.champion ? `; champion ${gate.champion.version} AUC ${gate.champion.auc}, log loss ${gate.champion.logLoss}; DeLong p = ${gate.delong?.pValue}` : '; no champion') +
      (gate.reasons.length ? ` — ${gate.reasons.join('; ')}` : ''),
  );
  await ctx.setResult({ validation: gate });
  return gate;
}

/** Scores candidate and champion on the held-out rows both can take, and judges. */
async function judgeCandidate(
  { ctx, model, settings }: RetrainRun,
  onnx: Uint8Array,
  holdout: HeldOutRows,
  championVersion: string | undefined,
  registry: Pick<CandidateRegistry, 'ensureLoaded'>,
): Promise<GateResult> {
  let candidate: ModelSession;
  try {
    candidate = await loadModelSession(onnx, model.features);
  } catch (error) {
    throw new JobFailure(`the trained model breaks the artifact contract: ${(error as Error).message}`, false);
  }
  try {
    const notes: string[] = [];
    let champion: ModelSession | undefined;
    if (championVersion) {
      try {
        champion = await registry.ensureLoaded(model.name, championVersion);
      } catch (error) {
        notes.push(`the champion ${championVersion} could not be loaded (${(error as Error).message}); judged against the AUC floor instead`);
      }
    }
    const keep: number[] = [];
    holdout.features.forEach((row, i) => {
      if (encodable(candidate, row) && (!champion || encodable(champion, row))) keep.push(i);
    });
    const rows = keep.map((i) => holdout.features[i]!);
    const labels = Uint8Array.from(keep, (i) => holdout.labels[i]!);
    const candidateScores = await scoreRows(candidate, rows);
    const championScores = champion ? await scoreRows(champion, rows) : undefined;
    const gate = judgeGate(labels, candidateScores, champion && championScores ? { version: championVersion!, scores: championScores } : undefined, settings.gate);
    const skipped = holdout.features.length - keep.length;
    if (skipped) notes.push(`${skipped} held-out rows skipped: a model could not take them (missing numeric features)`);
    pushAll(gate.notes, notes);
    for (const note of notes) ctx.log(`validation: ${note}`);
    const firstTs = keep.length ? holdout.ts[keep[0]!]! : undefined;
    const lastTs = keep.length ? holdout.ts[keep[keep.length - 1]!]! : undefined;
    return Object.assign(gate, { holdout: firstTs !== undefined && lastTs !== undefined ? { from: iso(firstTs), to: iso(lastTs) } : null });
  } finally {
    await candidate.release().catch(() => undefined);
  }
}
