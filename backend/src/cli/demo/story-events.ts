import type { StoryEvent } from './timeline.ts';

interface AuditEntry {
  id: string;
  type: string;
  status: string;
  actor: string;
  reason: string | null;
  fromVersion: string | null;
  toVersion: string | null;
  jobId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/**
 * Turns audit entries — the service's own record of what it did — into the story's events,
 * so the timeline shows what ModelWatch decided, not what the demo assumes it did.
 */
export function auditToEvent(entry: AuditEntry, act: 1 | 2): StoryEvent | undefined {
  const ts = Date.parse(entry.createdAt);
  const why = entry.reason ? ` — ${entry.reason}` : '';
  switch (entry.type) {
    case 'promote':
      return { ts, act, kind: 'promote', message: `promoted ${entry.toVersion} (was ${entry.fromVersion ?? 'none'}) by ${entry.actor}${why}` };
    case 'rollback':
      return { ts, act, kind: 'rollback', message: `rolled back to ${entry.toVersion} from ${entry.fromVersion} by ${entry.actor}${why}` };
    case 'retrain':
      return { ts, act, kind: 'action', message: `retrain queued (job ${entry.jobId?.slice(0, 8) ?? '?'}) by ${entry.actor}${why}` };
    default:
      break;
  }
  if (entry.type.startsWith('alert.')) {
    const d = entry.details as { alertname?: string; decision?: string; outcome?: string; action?: string };
    return { ts, act, kind: 'alert', message: `${entry.type}: ${d.alertname ?? ''} ${d.outcome ?? d.decision ?? ''} ${d.action ?? ''}`.replace(/\s+/g, ' ').trim() };
  }
  if (entry.type.startsWith('experiment') || entry.type === 'stop_experiment') {
    return { ts, act, kind: 'experiment', message: `${entry.type} by ${entry.actor}${why}` };
  }
  if (entry.type.startsWith('job.') || entry.type.startsWith('version.')) {
    return { ts, act, kind: 'job', message: `${entry.type}${entry.toVersion ? ` ${entry.toVersion}` : ''}${why}` };
  }
  return undefined;
}
