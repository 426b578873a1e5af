import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { StopDecision } from '@modelwatch/plugin-api';
import { keys } from './keys';

export function useExperiments() {
  return useQuery({ queryKey: keys.experiments, queryFn: () => api.listExperiments(), refetchInterval: 30_000 });
}

export function useExperimentResults(id: string | undefined) {
  return useQuery({
    queryKey: keys.experimentResults(id ?? ''),
    queryFn: () => api.experimentResults(id ?? ''),
    enabled: Boolean(id),
    refetchInterval: 30_000,
  });
}

export function useStopExperiment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { id: string; decision: StopDecision; reason: string; key?: string }) =>
      api.stopExperiment(input.id, input.decision, input.reason, input.key),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: keys.experiments });
      client.invalidateQueries({ queryKey: keys.models });
    },
  });
}
