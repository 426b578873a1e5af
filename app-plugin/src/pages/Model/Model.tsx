import React, { useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { RadioButtonGroup, Stack, Text } from '@grafana/ui';
import { ActionButtons } from '../../components/ActionButtons';
import { AuditTimeline } from '../../components/AuditTimeline';
import { DataQualityTable } from '../../components/DataQualityTable';
import { DriftTable } from '../../components/DriftTable';
import { HealthBadge } from '../../components/HealthBadge';
import { KpiCharts } from '../../components/KpiCharts';
import { QueryState } from '../../components/QueryState';
import { RetrainTriggers } from '../../components/RetrainTriggers';
import { ShadowRelease } from '../../components/ShadowRelease';
import { testIds } from '../../components/testIds';
import { VersionsTable } from '../../components/VersionsTable';
import { useHealth, useModel, useRetrainTriggers } from '../../data/useModels';
import { lastRange, RANGE_OPTIONS } from '../../utils/range';
import { Section } from './Section';

/** One model: KPIs, drift, data quality, versions, history, and the actions this user may take. */
export function ModelPage() {
  const { name = '' } = useParams<{ name: string }>();
  const [span, setSpan] = useState(6 * 3_600_000);
  // Recomputed when the span changes; the data hooks refresh on their own interval.
  const range = useMemo(() => lastRange(span), [span]);
  const model = useModel(name);
  const health = useHealth(name);
  const triggers = useRetrainTriggers(name);

  return (
    <PluginPage
      pageNav={{ text: name, subTitle: model.data?.description ?? undefined }}
      actions={<ActionButtons model={name} />}
    >
      <div data-testid={testIds.model.page}>
        <QueryState query={model} what={`model ${name}`}>
          {(m) => (
            <Stack direction="column" gap={3}>
              <Stack alignItems="center" gap={2}>
                <HealthBadge health={health.data} />
                <Text color="secondary">
                  {m.task} · {m.features.length} features
                </Text>
                <RadioButtonGroup size="sm" options={RANGE_OPTIONS} value={span} onChange={setSpan} />
              </Stack>
              <Section title="KPIs">
                <KpiCharts model={name} range={range} />
              </Section>
              <Section title="Drift">
                <DriftTable model={name} range={range} />
              </Section>
              <Section title="Data quality">
                <DataQualityTable model={name} range={range} />
              </Section>
              <Section title="Versions and aliases">
                <VersionsTable model={name} />
              </Section>
              <Section title="Shadow">
                <ShadowRelease model={name} />
              </Section>
              <Section title="Automatic retrains">
                <RetrainTriggers triggers={triggers.data} />
              </Section>
              <Section title="History">
                <AuditTimeline model={name} />
              </Section>
            </Stack>
          )}
        </QueryState>
      </div>
    </PluginPage>
  );
}

export default ModelPage;
