import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Stack } from '@grafana/ui';
import type { DataSource } from '../../datasource';
import { MwDataSourceOptions, MwQuery, QUERY_TYPE_LABELS, QUERY_TYPES, QueryType } from '../../types';
import { testIds } from '../testIds';
import { SelectField } from './fields';
import { DataQualitySection, DriftSection, ExperimentSection, KpiSection, ModelField, SectionProps } from './sections';

type Props = QueryEditorProps<DataSource, MwQuery, MwDataSourceOptions>;

const TYPE_OPTIONS = QUERY_TYPES.map((t) => ({ label: QUERY_TYPE_LABELS[t], value: t }));
const JOB_STATUS_OPTIONS = ['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => ({
  label: s,
  value: s,
}));
const AUDIT_TYPE_OPTIONS = ['promote', 'rollback', 'retrain', 'register', 'alert', 'experiment'].map((t) => ({
  label: t,
  value: t,
}));

function Section(props: SectionProps) {
  const { query, onChange } = props;
  switch (query.queryType ?? 'kpi') {
    case 'kpi':
      return <KpiSection {...props} />;
    case 'drift':
      return <DriftSection {...props} />;
    case 'dataQuality':
      return <DataQualitySection {...props} />;
    case 'experiment':
      return <ExperimentSection {...props} />;
    case 'health':
      return (
        <InlineFieldRow>
          <ModelField {...props} optional />
        </InlineFieldRow>
      );
    case 'jobs':
      return (
        <InlineFieldRow>
          <ModelField {...props} optional />
          <SelectField
            label="Status"
            testId={testIds.queryEditor.jobStatus}
            value={query.jobStatus}
            options={JOB_STATUS_OPTIONS}
            clearable
            placeholder="Any"
            onChange={(jobStatus) => onChange({ jobStatus: jobStatus as MwQuery['jobStatus'] })}
          />
        </InlineFieldRow>
      );
    case 'audit':
      return (
        <InlineFieldRow>
          <ModelField {...props} optional />
          <SelectField
            label="Type"
            testId={testIds.queryEditor.auditType}
            value={query.auditType}
            options={AUDIT_TYPE_OPTIONS}
            clearable
            placeholder="Any"
            onChange={(auditType) => onChange({ auditType })}
          />
        </InlineFieldRow>
      );
    default:
      return null;
  }
}

export function QueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  const update = (patch: Partial<MwQuery>) => {
    onChange({ ...query, ...patch });
    onRunQuery();
  };
  return (
    <Stack direction="column" gap={0.5}>
      <InlineFieldRow>
        <InlineField label="Query" labelWidth={14}>
          <RadioButtonGroup<QueryType>
            data-testid={testIds.queryEditor.queryType}
            options={TYPE_OPTIONS}
            value={query.queryType ?? 'kpi'}
            onChange={(queryType) => update({ queryType })}
          />
        </InlineField>
      </InlineFieldRow>
      <Section datasource={datasource} query={query} onChange={update} />
    </Stack>
  );
}
