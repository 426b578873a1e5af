import React, { useState } from 'react';
import { Alert, Button, Field, Modal, RadioButtonGroup, Stack, Text, TextArea } from '@grafana/ui';
import { idempotencyKey, type Experiment, type StopDecision } from '@modelwatch/plugin-api';
import { errorMessage } from '../../api/client';
import { useStopExperiment } from '../../data/useExperiments';
import { hasRole } from '../../utils/roles';
import { testIds } from '../testIds';

export function stopConsequence(decision: StopDecision, experiment: Experiment): string {
  const treatment = experiment.arms.find((a) => a.name !== 'control') ?? experiment.arms[1];
  const control = experiment.arms.find((a) => a.name === 'control') ?? experiment.arms[0];
  switch (decision) {
    case 'promote':
      return `The experiment stops and ${treatment?.version ?? 'the treatment'} becomes the champion of ${experiment.model}, serving all traffic.`;
    case 'rollback':
      return `The experiment stops and all traffic of ${experiment.model} returns to ${control?.version ?? 'control'}.`;
    case 'none':
      return `The experiment stops and all traffic of ${experiment.model} returns to the champion; no version changes.`;
  }
}

/** Stops an experiment with a decision; promote/rollback change what serves, so only admins get them. */
export function StopExperimentDialog({ experiment, onClose }: { experiment: Experiment; onClose: () => void }) {
  const admin = hasRole('Admin');
  const options = [
    { label: 'Promote treatment', value: 'promote' as const },
    { label: 'Roll back', value: 'rollback' as const },
    { label: 'No change', value: 'none' as const },
  ];
  const [decision, setDecision] = useState<StopDecision>(admin ? 'promote' : 'none');
  const [reason, setReason] = useState('');
  const [key] = useState(idempotencyKey);
  const stop = useStopExperiment();
  return (
    <Modal title={`Stop experiment ${experiment.id}`} isOpen onDismiss={onClose}>
      <Stack direction="column">
        <Field label="Decision" description={admin ? undefined : 'Promote and roll back need the Admin role'}>
          <RadioButtonGroup
            options={options}
            value={decision}
            disabledOptions={admin ? [] : ['promote', 'rollback']}
            onChange={setDecision}
          />
        </Field>
        <Text element="p">{stopConsequence(decision, experiment)}</Text>
        <Field label="Reason" required description="Recorded in the audit log">
          <TextArea
            data-testid={testIds.actions.reason}
            rows={3}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
          />
        </Field>
        {stop.error ? (
          <Alert severity="error" title="Stop failed">
            {errorMessage(stop.error)}
          </Alert>
        ) : null}
        <Stack justifyContent="flex-end">
          <Button variant="secondary" fill="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button
            data-testid={testIds.actions.confirm}
            variant="destructive"
            disabled={!reason.trim() || stop.isPending}
            onClick={() =>
              stop.mutate({ id: experiment.id, decision, reason: reason.trim(), key }, { onSuccess: onClose })
            }
          >
            Stop experiment
          </Button>
        </Stack>
      </Stack>
    </Modal>
  );
}
