import { DataFrame } from '@grafana/data';
import type { ApiClient, TimeWindow } from '@modelwatch/plugin-api';
import { auditFrame } from './frames/audit';
import { dataQualityFrames, dataQualitySeries } from './frames/data-quality';
import { driftFrames } from './frames/drift';
import { experimentFrame } from './frames/experiment';
import { healthFrame } from './frames/health';
import { jobsFrame } from './frames/jobs';
import { kpiFrames } from './frames/kpi';
import { MwQuery } from './types';

/** Models named by an interpolated query ("a,b" when a multi-value variable is used). */
function modelsOf(query: MwQuery): string[] {
  return (query.model ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
}

/** Prefixes display names with the model when one query covers several models. */
function withModel(frames: DataFrame[], model: string, several: boolean): DataFrame[] {
  if (!several) {
    return frames;
  }
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (field.config.displayNameFromDS) {
        field.config.displayNameFromDS = `${model} ${field.config.displayNameFromDS}`;
      }
    }
  }
  return frames;
}

async function perModel(query: MwQuery, run: (model: string) => Promise<DataFrame[]>): Promise<DataFrame[]> {
  const models = modelsOf(query);
  const frames = await Promise.all(models.map(async (m) => withModel(await run(m), m, models.length > 1)));
  return frames.flat();
}

/** Runs one interpolated query against the API and returns its frames. */
export async function runQuery(api: ApiClient, query: MwQuery, window: TimeWindow): Promise<DataFrame[]> {
  const { refId } = query;
  switch (query.queryType ?? 'kpi') {
    case 'kpi':
      return perModel(query, async (model) =>
        kpiFrames(
          refId,
          model,
          await api.kpis(model, window, { version: query.version, arm: query.arm, kpi: query.kpi })
        )
      );
    case 'drift': {
      const features = query.features ?? [];
      return perModel(query, async (model) => {
        const response = await api.drift(model, window, {
          version: query.version,
          // Empty: the backend picks a method per feature type and sample size.
          method: query.method,
          feature: features.length ? features.join(',') : undefined,
        });
        return driftFrames(refId, model, response, query.driftField ?? 'score', features);
      });
    }
    case 'dataQuality': {
      const features = query.features ?? [];
      const field = query.dataQualityField ?? 'table';
      return perModel(query, async (model) => {
        if (field === 'table') {
          const response = await api.dataQuality(
            model,
            { from: window.from, to: window.to },
            { version: query.version }
          );
          return dataQualityFrames(refId, model, response, features);
        }
        return dataQualitySeries(
          refId,
          model,
          await api.dataQuality(model, window, { version: query.version }),
          field,
          features
        );
      });
    }
    case 'experiment': {
      const results = await api.experimentResults(query.experimentId ?? '');
      return [experimentFrame(refId, results, query.experimentField ?? 'lift', query.metric)];
    }
    case 'health': {
      const models = modelsOf(query).length ? modelsOf(query) : (await api.listModels()).map((m) => m.name);
      const rows = await Promise.all(models.map(async (model) => ({ model, health: await api.health(model) })));
      return [healthFrame(refId, rows)];
    }
    case 'jobs':
      return [jobsFrame(refId, await api.listJobs({ model: query.model, status: query.jobStatus }))];
    case 'audit': {
      const entries = await api.audit({ model: query.model, type: query.auditType, from: window.from, to: window.to });
      return [auditFrame(refId, entries)];
    }
    default:
      return [];
  }
}
