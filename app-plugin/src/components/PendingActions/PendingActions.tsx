import React, { useState } from 'react';
import { Alert, Button, Column, InteractiveTable, Modal, Stack, Text, TextArea } from '@grafana/ui';
import { errorMessage } from '../../api/client';
import type { PendingDecision } from '@modelwatch/plugin-api';
import { useDecidePending, usePendingActions } from '../../data/usePolicies';
import { timeAgo } from '../../utils/format';
import { hasRole } from '../../utils/roles';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

export function consequence(p: PendingDecision, approve: boolean): string {
  const what = `${p.action.replace('_', ' ')} of ${p.model ?? 'the model'}`;
  return approve
    ? `The ${what} runs now, recorded as approved by you.`
    : `The ${what} never runs; the alert stays recorded.`;
}

/** Actions that approval-mode policies queued; admins approve or reject them, with a reason. */
export function PendingActions() {
  const pending = usePendingActions();
  const decide = useDecidePending();
  const admin = hasRole('Admin');
  const [deciding, setDeciding] = useState<{ item: PendingDecision; approve: boolean } | null>(null);
  const [reason, setReason] = useState('');

  const columns: Array<Column<PendingDecision>> = [
    { id: 'action', header: 'Action' },
    { id: 'model', header: 'Model', cell: ({ row }) => row.original.model ?? '–' },
    {
      id: 'alert',
      header: 'Alert',
      cell: ({ row }) => `${row.original.incident.alertname} (${row.original.incident.status})`,
    },
    { id: 'policy', header: 'Policy', cell: ({ row }) => row.original.policy ?? '–' },
    { id: 'reason', header: 'Why' },
    { id: 'createdAt', header: 'When', cell: ({ row }) => timeAgo(row.original.createdAt) },
    {
      id: 'decide',
      header: '',
      visible: () => admin,
      cell: ({ row }) => (
        <Stack gap={1}>
          <Button size="sm" icon="check" onClick={() => setDeciding({ item: row.original, approve: true })}>
            Approve
          </Button>
          <Button
            size="sm"
            variant="destructive"
            fill="outline"
            icon="times"
            onClick={() => setDeciding({ item: row.original, approve: false })}
          >
            Reject
          </Button>
        </Stack>
      ),
    },
  ];

  const close = () => {
    setDeciding(null);
    setReason('');
    decide.reset();
  };

  return (
    <div data-testid={testIds.policies.pending}>
      <QueryState query={pending} what="pending actions">
        {(items) =>
          items.length === 0 ? (
            <Text color="secondary">No actions wait for approval.</Text>
          ) : (
            <InteractiveTable columns={columns} data={items} getRowId={(p) => p.id} />
          )
        }
      </QueryState>
      {deciding && (
        <Modal
          title={`${deciding.approve ? 'Approve' : 'Reject'} ${deciding.item.action} of ${deciding.item.model ?? 'model'}`}
          isOpen
          onDismiss={close}
        >
          <Stack direction="column">
            <Text element="p">{consequence(deciding.item, deciding.approve)}</Text>
            <TextArea
              data-testid={testIds.actions.reason}
              rows={3}
              value={reason}
              placeholder="Reason (audit log)"
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            {decide.error ? (
              <Alert severity="error" title="Failed">
                {errorMessage(decide.error)}
              </Alert>
            ) : null}
            <Stack justifyContent="flex-end">
              <Button variant="secondary" fill="outline" onClick={close}>
                Cancel
              </Button>
              <Button
                data-testid={testIds.actions.confirm}
                variant={deciding.approve ? 'primary' : 'destructive'}
                disabled={!reason.trim() || decide.isPending}
                onClick={() =>
                  decide.mutate(
                    { id: deciding.item.id, approve: deciding.approve, reason: reason.trim() },
                    { onSuccess: close }
                  )
                }
              >
                {deciding.approve ? 'Approve' : 'Reject'}
              </Button>
            </Stack>
          </Stack>
        </Modal>
      )}
    </div>
  );
}
