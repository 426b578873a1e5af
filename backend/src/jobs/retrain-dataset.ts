import path from 'node:path';
import { exportDataset, type DatasetExport } from './dataset.ts';
import { JobFailure } from './job-types.ts';
import type { TrainingTraffic } from './retrain-ports.ts';
import { iso, type RetrainRun } from './retrain-run.ts';

/** Step 1: the window's labelled traffic, exported (train rows + newest rows held out for the gate). */
export async function exportTrainingData(run: RetrainRun, deps: { dataDir: string; traffic: TrainingTraffic }): Promise<DatasetExport> {
  const { ctx, model, settings, input } = run;
  const { from, to } = input.window;
  ctx.progress({ progress: 0.01, message: 'exporting the training dataset' });
  ctx.log(`exporting ${input.label}-labelled traffic of ${model.name} from ${iso(from)} to ${iso(to)}`);
  const dataset = await exportDataset({
    dataDir: deps.dataDir,
    jobId: ctx.job.id,
    model: model.name,
    features: model.features,
    window: { from, to },
    label: input.label,
    rows: deps.traffic.exportLabelledRows(model.name, { from, to, label: input.label }),
    holdoutFraction: settings.gate.holdoutFraction,
    maxHoldoutRows: settings.gate.maxRows,
    parquet: settings.parquet,
    signal: ctx.signal,
    onRows: (phase, rows) => ctx.progress({ message: `${phase === 'read' ? 'reading' : 'writing'} the dataset: ${rows} rows` }),
  });
  const { balance } = dataset.manifest;
  // Job results and logs are readable by viewers: paths relative to the data folder, never the server's layout.
  const shown = (file: string) => path.relative(deps.dataDir, file);
  ctx.log(
    `dataset: ${dataset.manifest.rows} rows in ${shown(dataset.dir)} — training ${balance.train.rows} (${balance.train.positives} positive), ` +
      `held out for validation ${balance.holdout.rows} (${balance.holdout.positives} positive)`,
  );
  await ctx.setResult({
    dataset: {
      dir: shown(dataset.dir),
      manifest: shown(dataset.manifestPath),
      rows: dataset.manifest.rows,
      window: dataset.manifest.window,
      label: input.label,
      train: balance.train,
      holdout: balance.holdout,
    },
  });
  if (balance.train.positives === 0 || balance.train.negatives === 0) {
    throw new JobFailure(
      `the window ${iso(from)} – ${iso(to)} holds ${balance.train.rows} ${input.label}-labelled training rows with ${balance.train.positives} positives: ` +
        'training needs both classes; widen settings.retrain.window or wait for more labelled traffic',
      false,
    );
  }
  return dataset;
}
