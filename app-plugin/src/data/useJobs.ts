import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Job, JobLogLine } from '@modelwatch/plugin-api';
import { keys } from './keys';

export const isActive = (job: Pick<Job, 'status'>) => job.status === 'queued' || job.status === 'running';

/** Polls fast while a job is queued or running, slowly otherwise. */
export function useJobs() {
  return useQuery({
    queryKey: keys.jobs,
    queryFn: () => api.listJobs(),
    refetchInterval: (query) => (query.state.data?.some(isActive) ? 3_000 : 30_000),
  });
}

export interface LogState {
  lines: JobLogLine[];
  next: number;
  done: boolean;
}

/** Lines kept in the browser; older ones are dropped. */
export const MAX_LOG_LINES = 5000;
const PAGES_PER_POLL = 10;

/** Reads only new lines on each poll (after the last seq seen) until the job has ended. */
export async function readNewLines(id: string, previous?: LogState): Promise<LogState> {
  let state: LogState = previous ?? { lines: [], next: 0, done: false };
  for (let page = 0; page < PAGES_PER_POLL; page++) {
    const reply = await api.jobLogs(id, state.next);
    state = { lines: [...state.lines, ...reply.logs].slice(-MAX_LOG_LINES), next: reply.next, done: reply.done };
    if (reply.done || reply.logs.length === 0) {
      break;
    }
  }
  return state;
}

export function useJobLogs(id: string) {
  const client = useQueryClient();
  return useQuery({
    queryKey: keys.jobLogs(id),
    queryFn: () => readNewLines(id, client.getQueryData<LogState>(keys.jobLogs(id))),
    refetchInterval: (query) => (query.state.data?.done ? false : 2_000),
  });
}

export function useCancelJob() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.cancelJob(id),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.jobs }),
  });
}
