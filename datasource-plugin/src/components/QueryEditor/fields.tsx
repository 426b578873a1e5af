import React from 'react';
import { Combobox, ComboboxOption, InlineField, MultiCombobox } from '@grafana/ui';
import type { OptionsState } from './useOptions';

const LABEL_WIDTH = 14;

interface SelectFieldProps {
  label: string;
  tooltip?: string;
  testId: string;
  value?: string;
  options: OptionsState | Array<ComboboxOption<string>>;
  onChange: (value: string | undefined) => void;
  clearable?: boolean;
  width?: number;
  placeholder?: string;
}

/** A labelled single choice that also takes free text (e.g. $variable). */
export function SelectField({
  label,
  tooltip,
  testId,
  value,
  options,
  onChange,
  clearable,
  width = 25,
  placeholder,
}: SelectFieldProps) {
  const state = Array.isArray(options) ? { options, loading: false, error: undefined } : options;
  const common = {
    id: testId,
    'data-testid': testId,
    value: value ?? null,
    options: state.options,
    loading: state.loading,
    width,
    placeholder,
    createCustomValue: true,
  };
  return (
    <InlineField
      label={label}
      labelWidth={LABEL_WIDTH}
      tooltip={tooltip}
      error={state.error}
      invalid={Boolean(state.error)}
    >
      {clearable ? (
        <Combobox {...common} isClearable onChange={(o) => onChange(o?.value)} />
      ) : (
        <Combobox {...common} onChange={(o) => onChange(o.value)} />
      )}
    </InlineField>
  );
}

interface MultiFieldProps {
  label: string;
  tooltip?: string;
  testId: string;
  value?: string[];
  options: OptionsState;
  onChange: (value: string[]) => void;
  placeholder?: string;
}

export function MultiSelectField({ label, tooltip, testId, value, options, onChange, placeholder }: MultiFieldProps) {
  return (
    <InlineField
      label={label}
      labelWidth={LABEL_WIDTH}
      tooltip={tooltip}
      error={options.error}
      invalid={Boolean(options.error)}
    >
      <MultiCombobox
        id={testId}
        data-testid={testId}
        value={value ?? []}
        options={options.options}
        loading={options.loading}
        width={40}
        placeholder={placeholder}
        createCustomValue
        onChange={(selected) => onChange(selected.map((o) => o.value))}
      />
    </InlineField>
  );
}
