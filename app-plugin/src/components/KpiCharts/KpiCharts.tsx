import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { dateTime, GrafanaTheme2, LoadingState, PanelData } from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';
import type { Kpi, KpiSeries } from '@modelwatch/plugin-api';
import { useKpis, type Range } from '../../data/useModels';
import { kpiSeriesFrames } from '../../utils/frames';
import { useElementWidth } from '../../utils/useElementWidth';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

/** Which KPIs share a chart (and so a unit). */
export const KPI_GROUPS: Array<{ title: string; kpis: Kpi[] }> = [
  { title: 'CTR and CVR', kpis: ['ctr', 'cvr'] },
  { title: 'Latency', kpis: ['latency_p50', 'latency_p90', 'latency_p99'] },
  { title: 'Error rate', kpis: ['error_rate'] },
  { title: 'Requests', kpis: ['requests'] },
  { title: 'Accuracy, precision, recall, F1 (labels)', kpis: ['accuracy', 'precision', 'recall', 'f1'] },
  { title: 'AUC and log loss (labels)', kpis: ['auc', 'log_loss'] },
  { title: 'Label coverage and calibration error', kpis: ['label_coverage', 'calibration_error'] },
  { title: 'Label delay', kpis: ['label_delay_mean'] },
];

const HEIGHT = 220;

function panelData(series: KpiSeries[], range: Range): PanelData {
  const from = dateTime(range.from);
  const to = dateTime(range.to);
  return {
    state: LoadingState.Done,
    series: kpiSeriesFrames(series),
    timeRange: { from, to, raw: { from, to } },
  };
}

/** Time series of the model's KPIs, rendered with Grafana's own time series panel. */
export function KpiCharts({ model, range }: { model: string; range: Range }) {
  const styles = useStyles2(getStyles);
  const kpis = useKpis(model, range);
  const { ref, width } = useElementWidth<HTMLDivElement>();
  const panelWidth = Math.max(280, Math.floor(width / 2) - 8);
  const groups = useMemo(
    () =>
      KPI_GROUPS.map((g) => ({ ...g, series: (kpis.data?.series ?? []).filter((s) => g.kpis.includes(s.kpi)) })).filter(
        (g) => g.series.length > 0
      ),
    [kpis.data]
  );
  return (
    <div ref={ref} data-testid={testIds.model.kpiCharts}>
      <QueryState query={kpis} what="KPIs">
        {() =>
          groups.length === 0 ? (
            <p>No traffic in this time range.</p>
          ) : (
            <div className={styles.grid}>
              {groups.map((g) => (
                <div key={g.title} className={styles.panel} style={{ width: panelWidth, height: HEIGHT }}>
                  <PanelRenderer
                    title={g.title}
                    pluginId="timeseries"
                    width={panelWidth}
                    height={HEIGHT}
                    data={panelData(g.series, range)}
                    options={{
                      legend: { showLegend: true, displayMode: 'list', placement: 'bottom' },
                      tooltip: { mode: 'multi' },
                    }}
                    fieldConfig={{ defaults: {}, overrides: [] }}
                  />
                </div>
              ))}
            </div>
          )
        }
      </QueryState>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2) }),
  panel: css({ border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default }),
});
