import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { keys } from './keys';

const REFRESH_MS = 30_000;

export function useModels() {
  return useQuery({ queryKey: keys.models, queryFn: api.listModels, refetchInterval: REFRESH_MS });
}

export function useModel(name: string) {
  return useQuery({ queryKey: keys.model(name), queryFn: () => api.getModel(name) });
}

export function useVersions(name: string) {
  return useQuery({ queryKey: keys.versions(name), queryFn: () => api.listVersions(name) });
}

export function useAliases(name: string) {
  return useQuery({ queryKey: keys.aliases(name), queryFn: () => api.getAliases(name), refetchInterval: REFRESH_MS });
}

export function useHealth(name: string) {
  return useQuery({ queryKey: keys.health(name), queryFn: () => api.health(name), refetchInterval: REFRESH_MS });
}

export function useRetrainTriggers(name: string) {
  return useQuery({
    queryKey: keys.retrainTriggers(name),
    queryFn: () => api.retrainTriggers(name),
    refetchInterval: REFRESH_MS,
  });
}

export interface Range {
  from: number;
  to: number;
  /** Milliseconds per point. */
  step: number;
}

export function useKpis(name: string, range: Range) {
  return useQuery({
    queryKey: keys.kpis(name, range.from, range.to),
    queryFn: () => api.kpis(name, range),
    refetchInterval: REFRESH_MS,
  });
}

export function useDrift(name: string, range: Range) {
  return useQuery({
    queryKey: keys.drift(name, range.from, range.to),
    queryFn: () => api.drift(name, range),
    refetchInterval: REFRESH_MS,
  });
}

export function useDataQuality(name: string, range: Range) {
  return useQuery({
    queryKey: keys.dataQuality(name, range.from, range.to),
    queryFn: () => api.dataQuality(name, range),
    refetchInterval: REFRESH_MS,
  });
}

export function useAudit(name?: string, limit = 50) {
  return useQuery({
    queryKey: keys.audit(name),
    queryFn: () => api.audit({ model: name, limit }),
    refetchInterval: REFRESH_MS,
  });
}
