import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { PolicyInput } from '@modelwatch/plugin-api';
import { keys } from './keys';

export function usePolicies() {
  return useQuery({ queryKey: keys.policies, queryFn: api.getPolicies });
}

export function useSavePolicies() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (doc: PolicyInput) => api.putPolicies(doc),
    onSuccess: (saved) => client.setQueryData(keys.policies, saved),
  });
}

/** Recent alerts and their decisions; refreshes often, since this is where dry runs show. */
export function useIncidents(limit = 20) {
  return useQuery({ queryKey: keys.incidents, queryFn: () => api.listIncidents({ limit }), refetchInterval: 15_000 });
}

export function usePendingActions() {
  return useQuery({ queryKey: keys.pendingActions, queryFn: api.listPending, refetchInterval: 15_000 });
}

export function useDecidePending() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { id: string; approve: boolean; reason: string }) =>
      input.approve ? api.approvePending(input.id, input.reason) : api.rejectPending(input.id, input.reason),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: keys.pendingActions });
      client.invalidateQueries({ queryKey: keys.incidents });
      client.invalidateQueries({ queryKey: ['audit'] });
      client.invalidateQueries({ queryKey: keys.jobs });
    },
  });
}
