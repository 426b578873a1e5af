import React, { useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { Field, RadioButtonGroup, Stack } from '@grafana/ui';
import type { ActionType } from '@modelwatch/plugin-api';
import { ActionForm } from '../components/ActionForm';
import { sharedQueryClient } from '../data/queryClient';

interface Props {
  type: ActionType;
  models: string[];
  onDismiss?: () => void;
}

/** The body of the panel-menu modal: pick the model if the panel shows several, then the same confirmation as the app. */
export function PanelActionModal({ type, models, onDismiss }: Props) {
  const [model, setModel] = useState(models[0] ?? '');
  const close = () => onDismiss?.();
  return (
    <QueryClientProvider client={sharedQueryClient}>
      <Stack direction="column">
        {models.length > 1 && (
          <Field label="Model">
            <RadioButtonGroup options={models.map((m) => ({ label: m, value: m }))} value={model} onChange={setModel} />
          </Field>
        )}
        {model && <ActionForm key={model} type={type} model={model} onClose={close} />}
      </Stack>
    </QueryClientProvider>
  );
}
