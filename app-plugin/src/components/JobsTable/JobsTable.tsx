import React, { useState } from 'react';
import { Badge, BadgeColor, Button, Column, ConfirmModal, InteractiveTable, Stack } from '@grafana/ui';
import { errorMessage } from '../../api/client';
import type { Job, JobStatus } from '@modelwatch/plugin-api';
import { isActive, useCancelJob } from '../../data/useJobs';
import { timeAgo } from '../../utils/format';
import { hasRole } from '../../utils/roles';
import { JobLogs } from '../JobLogs';
import { ProgressBar } from '../ProgressBar';
import { testIds } from '../testIds';

const STATUS_COLORS: Record<JobStatus, BadgeColor> = {
  queued: 'darkgrey',
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'orange',
};

/** Jobs with status, progress, what they produced, logs, and cancel for editors. */
export function JobsTable({ jobs }: { jobs: Job[] }) {
  const [logsOf, setLogsOf] = useState<Job | null>(null);
  const [cancelling, setCancelling] = useState<Job | null>(null);
  const cancel = useCancelJob();
  const canCancel = hasRole('Editor');

  const columns: Array<Column<Job>> = [
    { id: 'id', header: 'Job' },
    { id: 'model', header: 'Model', cell: ({ row }) => row.original.model ?? '–' },
    { id: 'type', header: 'Type', cell: ({ row }) => row.original.type ?? 'retrain' },
    {
      id: 'status',
      header: 'Status',
      cell: ({ row }) => (
        <Badge
          color={STATUS_COLORS[row.original.status] ?? 'darkgrey'}
          text={row.original.status}
          tooltip={row.original.error ?? undefined}
        />
      ),
    },
    {
      id: 'progress',
      header: 'Progress',
      cell: ({ row }) => <ProgressBar value={row.original.progress} status={row.original.status} />,
    },
    { id: 'producedVersion', header: 'Produced', cell: ({ row }) => row.original.producedVersion ?? '–' },
    { id: 'createdAt', header: 'Created', cell: ({ row }) => timeAgo(row.original.createdAt) },
    {
      id: 'actions',
      header: '',
      cell: ({ row }) => (
        <Stack gap={1}>
          <Button size="sm" variant="secondary" fill="text" icon="file-alt" onClick={() => setLogsOf(row.original)}>
            Logs
          </Button>
          {canCancel && isActive(row.original) && (
            <Button
              size="sm"
              variant="destructive"
              fill="text"
              icon="times"
              data-testid={testIds.jobs.cancel}
              onClick={() => setCancelling(row.original)}
            >
              Cancel
            </Button>
          )}
        </Stack>
      ),
    },
  ];

  return (
    <>
      <InteractiveTable columns={columns} data={jobs} getRowId={(j) => j.id} pageSize={25} />
      {logsOf && <JobLogs job={logsOf} onClose={() => setLogsOf(null)} />}
      {cancelling && (
        <ConfirmModal
          isOpen
          title={`Cancel job ${cancelling.id}?`}
          body={`The ${cancelling.type ?? 'retrain'} job for ${cancelling.model ?? 'this model'} stops; nothing it produced so far is registered.`}
          description={cancel.error ? errorMessage(cancel.error) : undefined}
          confirmText="Cancel job"
          dismissText="Keep running"
          onConfirm={() => cancel.mutate(cancelling.id, { onSuccess: () => setCancelling(null) })}
          onDismiss={() => setCancelling(null)}
        />
      )}
    </>
  );
}
