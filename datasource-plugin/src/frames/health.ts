import { createDataFrame, DataFrame, FieldType, MappingType } from '@grafana/data';
import type { ModelHealth } from '@modelwatch/plugin-api';

const STATUS_COLORS = {
  type: MappingType.ValueToText as const,
  options: {
    ok: { text: 'OK', color: 'green' },
    degraded: { text: 'Degraded', color: 'orange' },
    failing: { text: 'Failing', color: 'red' },
  },
};

/** One row per model: health score (0..1, shown as percent), status and the reasons. */
export function healthFrame(refId: string, rows: Array<{ model: string; health: ModelHealth }>): DataFrame {
  return createDataFrame({
    refId,
    name: 'health',
    fields: [
      { name: 'model', type: FieldType.string, values: rows.map((r) => r.model) },
      {
        name: 'score',
        type: FieldType.number,
        values: rows.map((r) => r.health.score),
        config: { unit: 'percentunit', min: 0, max: 1, displayName: 'Health' },
      },
      {
        name: 'status',
        type: FieldType.string,
        values: rows.map((r) => r.health.status),
        config: { mappings: [STATUS_COLORS] },
      },
      {
        name: 'reasons',
        type: FieldType.string,
        values: rows.map((r) => r.health.reasons.map((reason) => reason.message).join('; ')),
      },
    ],
  });
}
