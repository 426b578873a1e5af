import React from 'react';
import { InlineFieldRow } from '@grafana/ui';
import { DRIFT_METHODS, KPI_LABELS, KPIS } from '@modelwatch/plugin-api';
import type { DataSource } from '../../datasource';
import {
  DATA_QUALITY_FIELD_LABELS,
  DATA_QUALITY_FIELDS,
  DRIFT_FIELD_LABELS,
  DRIFT_FIELDS,
  EXPERIMENT_FIELD_LABELS,
  EXPERIMENT_FIELDS,
  MwQuery,
} from '../../types';
import { testIds } from '../testIds';
import { MultiSelectField, SelectField } from './fields';
import { useExperimentOptions, useFeatureOptions, useModelOptions, useVersionOptions } from './useOptions';

export interface SectionProps {
  datasource: DataSource;
  query: MwQuery;
  onChange: (patch: Partial<MwQuery>) => void;
}

const ids = testIds.queryEditor;
const KPI_OPTIONS = KPIS.map((k) => ({ label: KPI_LABELS[k], value: k }));
const METHOD_OPTIONS = DRIFT_METHODS.map((m) => ({ label: m, value: m }));
const DRIFT_FIELD_OPTIONS = DRIFT_FIELDS.map((f) => ({ label: DRIFT_FIELD_LABELS[f], value: f }));
const DATA_QUALITY_FIELD_OPTIONS = DATA_QUALITY_FIELDS.map((f) => ({ label: DATA_QUALITY_FIELD_LABELS[f], value: f }));
const EXPERIMENT_FIELD_OPTIONS = EXPERIMENT_FIELDS.map((f) => ({ label: EXPERIMENT_FIELD_LABELS[f], value: f }));

export function ModelField({ datasource, query, onChange, optional }: SectionProps & { optional?: boolean }) {
  const models = useModelOptions(datasource);
  return (
    <SelectField
      label="Model"
      testId={ids.model}
      value={query.model}
      options={models}
      clearable={optional}
      placeholder={optional ? 'All models' : 'Choose a model'}
      onChange={(model) => onChange({ model, version: undefined, features: undefined })}
    />
  );
}

/** The model's versions, or all of them (cleared). */
export function VersionField({ datasource, query, onChange }: SectionProps) {
  const versions = useVersionOptions(datasource, query.model);
  return (
    <SelectField
      label="Version"
      testId={ids.version}
      value={query.version}
      options={versions}
      clearable
      placeholder="All versions"
      onChange={(version) => onChange({ version })}
    />
  );
}

export function KpiSection(props: SectionProps) {
  const { query, onChange } = props;
  return (
    <InlineFieldRow>
      <ModelField {...props} />
      <VersionField {...props} />
      <SelectField
        label="Arm"
        tooltip="A/B arm; empty for all traffic"
        testId={ids.arm}
        value={query.arm}
        options={[]}
        clearable
        placeholder="All arms"
        onChange={(arm) => onChange({ arm })}
      />
      <SelectField
        label="KPI"
        testId={ids.kpi}
        value={query.kpi}
        options={KPI_OPTIONS}
        onChange={(kpi) => onChange({ kpi: kpi as MwQuery['kpi'] })}
      />
    </InlineFieldRow>
  );
}

export function DriftSection(props: SectionProps) {
  const { datasource, query, onChange } = props;
  const features = useFeatureOptions(datasource, query.model);
  return (
    <>
      <InlineFieldRow>
        <ModelField {...props} />
        <VersionField {...props} />
        <SelectField
          label="Method"
          tooltip="Empty: chosen per feature type and sample size"
          testId={ids.method}
          value={query.method}
          options={METHOD_OPTIONS}
          clearable
          placeholder="Auto"
          onChange={(method) => onChange({ method: method as MwQuery['method'] })}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <MultiSelectField
          label="Features"
          testId={ids.features}
          value={query.features}
          options={features}
          placeholder="All features"
          onChange={(selected) => onChange({ features: selected })}
        />
        <SelectField
          label="Field"
          testId={ids.driftField}
          value={query.driftField}
          options={DRIFT_FIELD_OPTIONS}
          onChange={(driftField) => onChange({ driftField: driftField as MwQuery['driftField'] })}
        />
      </InlineFieldRow>
    </>
  );
}

export function DataQualitySection(props: SectionProps) {
  const { datasource, query, onChange } = props;
  const features = useFeatureOptions(datasource, query.model);
  return (
    <InlineFieldRow>
      <ModelField {...props} />
      <VersionField {...props} />
      <MultiSelectField
        label="Features"
        testId={ids.features}
        value={query.features}
        options={features}
        placeholder="All features"
        onChange={(selected) => onChange({ features: selected })}
      />
      <SelectField
        label="Show"
        tooltip="A table over the whole range, or one value per feature as series over time"
        testId={ids.dataQualityField}
        value={query.dataQualityField ?? 'table'}
        options={DATA_QUALITY_FIELD_OPTIONS}
        onChange={(field) => onChange({ dataQualityField: field as MwQuery['dataQualityField'] })}
      />
    </InlineFieldRow>
  );
}

export function ExperimentSection({ datasource, query, onChange }: SectionProps) {
  const experiments = useExperimentOptions(datasource);
  return (
    <InlineFieldRow>
      <SelectField
        label="Experiment"
        testId={ids.experiment}
        value={query.experimentId}
        options={experiments}
        width={35}
        onChange={(experimentId) => onChange({ experimentId })}
      />
      <SelectField
        label="Metric"
        tooltip="Empty: the experiment's primary metric"
        testId={ids.metric}
        value={query.metric}
        options={KPI_OPTIONS}
        clearable
        placeholder="Primary metric"
        onChange={(metric) => onChange({ metric })}
      />
      <SelectField
        label="Show"
        testId={ids.experimentField}
        value={query.experimentField}
        options={EXPERIMENT_FIELD_OPTIONS}
        onChange={(experimentField) => onChange({ experimentField: experimentField as MwQuery['experimentField'] })}
      />
    </InlineFieldRow>
  );
}
