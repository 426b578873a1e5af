import type { AuditEntry } from '../audit/audit.ts';
import type { ExperimentView as ServiceExperiment } from '../experiments/experiment-view.ts';
import type { ExperimentView, TimelineEvent } from './engine-api.ts';

type EventBody = TimelineEvent extends infer E ? (E extends TimelineEvent ? Omit<E, 'minute' | 'ts' | 'act'> : never) : never;

const uuid = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
/** Experiment ids (experiments/create-experiment.ts). */
const experimentId = /\bexp_[0-9a-f]{16}\b/g;

/**
 * Turns what the service recorded — audit entries, experiments — into timeline events with
 * stable names: random ids (experiments, jobs, actions) become `experiment#1`, `job#1`, … in
 * the order they first appear, so two runs of one seed give the same bytes.
 */
export class Observer {
  private readonly names = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private readonly experiments = new Map<string, ExperimentView>();

  /** The stable name of a random id (`kind#n`). */
  name(kind: string, id: string): string {
    let n = this.names.get(id);
    if (!n) {
      const next = (this.counters.get(kind) ?? 0) + 1;
      this.counters.set(kind, next);
      n = `${kind}#${next}`;
      this.names.set(id, n);
    }
    return n;
  }

  /** Replaces known ids (and experiment ids, named on first sight) by their names, any other uuid by "…". */
  clean(text: string | null): string | null {
    if (text === null) return null;
    let out = text.replace(experimentId, (id) => this.name('experiment', id));
    for (const [id, n] of this.names) if (out.includes(id)) out = out.split(id).join(n);
    return out.replace(uuid, '…');
  }

  /** Alert labels with ids replaced (an experiment's alerts carry its id). */
  cleanLabels(labels: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, this.clean(v) ?? v]));
  }

  experimentViews(): ExperimentView[] {
    return [...this.experiments.values()];
  }

  /** Experiments started or stopped since the last call (the list is the model's, any order). */
  experimentChanges(list: ServiceExperiment[], minute: number): EventBody[] {
    const out: EventBody[] = [];
    const sorted = [...list].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
    for (const e of sorted) {
      const seen = this.experiments.get(e.id);
      const arms = e.arms.map((a) => ({ name: a.name, version: a.version }));
      if (!seen) {
        const name = this.name('experiment', e.id);
        this.experiments.set(e.id, {
          experiment: name,
          status: e.status,
          arms: e.arms.map((a) => ({ name: a.name, version: a.version, weight: a.weight })),
          decision: e.decision,
          startedMinute: minute,
          stoppedMinute: null,
        });
        out.push({ kind: 'experiment', change: 'started', experiment: name, arms, decision: null, reason: this.clean(e.description), actor: e.createdBy });
      }
      const view = this.experiments.get(e.id)!;
      // Also an experiment started and stopped within one minute gets its stop event.
      if ((view.status === 'running' || !seen) && e.status !== 'running') {
        view.status = e.status;
        view.decision = e.decision;
        view.stoppedMinute = minute;
        out.push({ kind: 'experiment', change: 'stopped', experiment: view.experiment, arms, decision: e.decision, reason: this.clean(e.stopReason), actor: e.stoppedBy ?? '' });
      }
    }
    return out;
  }

  /** Audit entries (oldest first) as events; entries that tell nothing new are skipped. */
  auditEvents(entries: AuditEntry[]): EventBody[] {
    const out: EventBody[] = [];
    for (const a of entries) {
      const d = a.details as Record<string, unknown>;
      if (a.jobId) this.name('job', a.jobId);
      const reason = this.clean(a.reason);
      if (a.type === 'promote' && a.status === 'succeeded' && a.toVersion) {
        out.push({ kind: 'promotion', from: a.fromVersion, to: a.toVersion, actor: a.actor, reason });
      } else if (a.type === 'rollback' && a.status === 'succeeded') {
        out.push({ kind: 'rollback', from: a.fromVersion, to: a.toVersion, actor: a.actor, reason });
      } else if (['promote', 'rollback', 'retrain', 'stop_experiment', 'shadow.start', 'shadow.stop'].includes(a.type)) {
        out.push({ kind: 'action', action: a.type, status: a.status, actor: a.actor, target: a.toVersion ?? a.fromVersion, reason });
      } else if (a.type === 'alert.decision') {
        const target = (d.target as { version?: string } | undefined)?.version ?? (d.version as string | undefined) ?? null;
        out.push({ kind: 'action', action: String(d.action ?? 'none'), status: `${a.status}${d.outcome ? `:${String(d.outcome)}` : ''}`, actor: a.actor, target, reason });
      } else if (a.type.startsWith('job.') && a.jobId) {
        out.push({ kind: 'job', job: this.name('job', a.jobId), state: a.type.slice(4), version: a.toVersion ?? ((d.version as string | undefined) ?? null), message: reason });
      } else if (a.type === 'version.registered' && a.toVersion) {
        out.push({ kind: 'version', version: a.toVersion, validation: typeof d.validation === 'string' ? d.validation : null, by: a.actor });
      }
    }
    return out;
  }
}
