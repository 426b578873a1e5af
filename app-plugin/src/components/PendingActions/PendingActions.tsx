import React, { useState } from 'react';
import { Alert, Button, Column, InteractiveTable, Modal, Stack, Text, TextArea } from '@grafana/ui';
import { errorMessage } from '../../api/client';
import type { Action } from '../../api/types';
import { useDecideAction, usePendingActions } from '../../data/usePolicies';
import { timeAgo } from '../../utils/format';
import { hasRole } from '../../utils/roles';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

/** Actions that policies queued for approval; admins approve or reject them with a reason. */
export function PendingActions() {
  const pending = usePendingActions();
  const decide = useDecideAction();
  const admin = hasRole('Admin');
  const [deciding, setDeciding] = useState<{ action: Action; approve: boolean } | null>(null);
  const [reason, setReason] = useState('');

  const columns: Array<Column<Action>> = [
    { id: 'type', header: 'Action' },
    { id: 'model', header: 'Model' },
    {
      id: 'versions',
      header: 'Versions',
      cell: ({ row }) => [row.original.fromVersion, row.original.toVersion].filter(Boolean).join(' → ') || '–',
    },
    { id: 'actor', header: 'Requested by' },
    { id: 'reason', header: 'Reason' },
    { id: 'createdAt', header: 'When', cell: ({ row }) => timeAgo(row.original.createdAt) },
    {
      id: 'decide',
      header: '',
      visible: () => admin,
      cell: ({ row }) => (
        <Stack gap={1}>
          <Button size="sm" icon="check" onClick={() => setDeciding({ action: row.original, approve: true })}>
            Approve
          </Button>
          <Button
            size="sm"
            variant="destructive"
            fill="outline"
            icon="times"
            onClick={() => setDeciding({ action: row.original, approve: false })}
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
        {(actions) =>
          actions.length === 0 ? (
            <Text color="secondary">No actions wait for approval.</Text>
          ) : (
            <InteractiveTable columns={columns} data={actions} getRowId={(a) => a.id} />
          )
        }
      </QueryState>
      {deciding && (
        <Modal
          title={`${deciding.approve ? 'Approve' : 'Reject'} ${deciding.action.type} of ${deciding.action.model}`}
          isOpen
          onDismiss={close}
        >
          <Stack direction="column">
            <Text element="p">
              {deciding.approve
                ? `The ${deciding.action.type} of ${deciding.action.model} runs now, as if started by you.`
                : `The ${deciding.action.type} of ${deciding.action.model} is dropped; nothing changes.`}
            </Text>
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
                    { id: deciding.action.id, approve: deciding.approve, reason: reason.trim() },
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
