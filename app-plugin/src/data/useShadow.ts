import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { keys } from './keys';

/** The model's shadow and its live comparison with the champion; refreshed often while it runs. */
export function useShadow(model: string) {
  return useQuery({
    queryKey: keys.shadow(model),
    queryFn: () => api.shadow(model),
    refetchInterval: (query) => (query.state.data?.shadow?.status === 'running' ? 10_000 : 60_000),
  });
}

/** Start (a version) or stop (no version) the model's shadow; refreshes it and the history. */
export function useShadowChange(model: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { version?: string; reason?: string }) =>
      input.version
        ? api.startShadow(model, { version: input.version, reason: input.reason })
        : api.stopShadow(model, input.reason),
    onSuccess: (status) => {
      client.setQueryData(keys.shadow(model), status);
      client.invalidateQueries({ queryKey: ['audit'] });
    },
  });
}
