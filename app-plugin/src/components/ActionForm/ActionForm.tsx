import React, { useState } from 'react';
import { Alert, Button, Combobox, Field, Input, RadioButtonGroup, Stack, Text, TextArea } from '@grafana/ui';
import { idempotencyKey, type Action, type ActionType, type RetrainInput } from '@modelwatch/plugin-api';
import { errorMessage } from '../../api/client';
import { useModelAction } from '../../data/useActions';
import { useAliases, useVersions } from '../../data/useModels';
import { prefixRoute, ROUTES } from '../../constants';
import { testIds } from '../testIds';
import { ACTION_TITLES, describeAction } from './describeAction';

/** Trainers the backend runs: its built-in one (CPU) or a command (any trainer, GPUs). Empty: the model's setting. */
type Runner = NonNullable<RetrainInput['runner']>;

const ROLLBACK_MODES: Array<{ label: string; value: 'instant' | 'gradual' }> = [
  { label: 'At once', value: 'instant' },
  { label: 'Gradually', value: 'gradual' },
];

const RUNNERS: Array<{ label: string; value: Runner | '' }> = [
  { label: 'Model default', value: '' },
  { label: 'Built-in', value: 'builtin' },
  { label: 'Command', value: 'command' },
];

export interface ActionFormProps {
  type: ActionType;
  model: string;
  onClose: () => void;
  onDone?: (action: Action) => void;
}

/**
 * The confirmation for promote / roll back / retrain: says what will happen, asks why (the reason
 * goes to the audit log), and sends the action once (one Idempotency-Key per form).
 */
export function ActionForm({ type, model, onClose, onDone }: ActionFormProps) {
  const [reason, setReason] = useState('');
  const [version, setVersion] = useState<string | undefined>();
  const [runner, setRunner] = useState<Runner | ''>('');
  const [gpus, setGpus] = useState(0);
  const [rollbackMode, setRollbackMode] = useState<'instant' | 'gradual'>('instant');
  const gradual = type === 'rollback' && rollbackMode === 'gradual';
  const [key] = useState(idempotencyKey);
  const aliases = useAliases(model);
  const versions = useVersions(model);
  const mutation = useModelAction();

  const champion = aliases.data?.champion;
  const summary = describeAction(type, {
    model,
    version,
    champion,
    challenger: aliases.data?.challenger,
    runner,
    gpus,
    gradual,
  });
  const needsVersion = type === 'promote' && !version && !aliases.data?.challenger;
  const versionOptions = (versions.data ?? [])
    .filter((v) => v.version !== champion)
    .map((v) => ({ label: v.version, value: v.version }));

  const submit = () =>
    mutation.mutate(
      { type, model, reason: reason.trim(), version, runner, gpus, gradual, idempotencyKey: key },
      { onSuccess: (action) => onDone?.(action) }
    );

  if (mutation.data) {
    const action = mutation.data;
    return (
      <Stack direction="column">
        <Alert severity="success" title={`${ACTION_TITLES[type]} recorded: ${action.status}`}>
          {action.toVersion ? `Version ${action.toVersion}. ` : ''}
          {action.jobId ? <a href={prefixRoute(ROUTES.Jobs)}>Follow job {action.jobId}</a> : null}
        </Alert>
        <Stack justifyContent="flex-end">
          <Button onClick={onClose}>Close</Button>
        </Stack>
      </Stack>
    );
  }

  return (
    <Stack direction="column">
      <Text element="p" data-testid={testIds.actions.summary}>
        {summary}
      </Text>
      {type !== 'retrain' && (
        <Field
          label={type === 'promote' ? 'Version to promote' : 'Version to return to'}
          description={type === 'promote' ? 'Empty: the challenger' : 'Empty: the previous champion'}
        >
          <Combobox
            id="mw-action-version"
            data-testid={testIds.actions.version}
            options={versionOptions}
            value={version ?? null}
            loading={versions.isLoading}
            isClearable
            placeholder={type === 'promote' ? (aliases.data?.challenger ?? 'Choose a version') : 'Previous champion'}
            onChange={(o) => setVersion(o?.value)}
          />
        </Field>
      )}
      {type === 'rollback' && (
        <Field label="How" description="Gradually: the champion's share steps down (50%, 10%, 0%) before the switch">
          <div data-testid={testIds.actions.rollbackMode}>
            <RadioButtonGroup options={ROLLBACK_MODES} value={rollbackMode} onChange={setRollbackMode} />
          </div>
        </Field>
      )}
      {type === 'retrain' && (
        <Stack>
          <Field label="Runner">
            <RadioButtonGroup options={RUNNERS} value={runner} onChange={setRunner} />
          </Field>
          <Field label="GPUs" description="Command runner only">
            <Input
              type="number"
              min={0}
              value={gpus}
              onChange={(e) => setGpus(Math.max(0, Number(e.currentTarget.value) || 0))}
            />
          </Field>
        </Stack>
      )}
      <Field label="Reason" description="Recorded in the audit log and shown as an annotation" required>
        <TextArea
          data-testid={testIds.actions.reason}
          value={reason}
          rows={3}
          placeholder="e.g. CTR down 18% since 14:00, alert ModelCTRDrop"
          onChange={(e) => setReason(e.currentTarget.value)}
        />
      </Field>
      {mutation.error ? (
        <Alert severity="error" title={`${ACTION_TITLES[type]} failed`}>
          {errorMessage(mutation.error)}
        </Alert>
      ) : null}
      <Stack justifyContent="flex-end">
        <Button variant="secondary" fill="outline" onClick={onClose}>
          Cancel
        </Button>
        <Button
          data-testid={testIds.actions.confirm}
          variant={type === 'rollback' ? 'destructive' : 'primary'}
          disabled={!reason.trim() || needsVersion || mutation.isPending}
          icon={mutation.isPending ? 'spinner' : undefined}
          onClick={submit}
        >
          {ACTION_TITLES[type]} {model}
        </Button>
      </Stack>
    </Stack>
  );
}
