import React from 'react';
import { Badge, BadgeColor } from '@grafana/ui';
import type { HealthReason, HealthStatus, ModelHealth } from '@modelwatch/plugin-api';

const COLORS: Record<HealthStatus, BadgeColor> = { ok: 'green', degraded: 'orange', failing: 'red' };
const TEXT: Record<HealthStatus, string> = { ok: 'Healthy', degraded: 'Degraded', failing: 'Failing' };

export function reasonText(reason: HealthReason): string {
  return reason.message;
}

/** Status and score, with the reasons in the tooltip. */
export function HealthBadge({ health }: { health?: ModelHealth }) {
  if (!health) {
    return <Badge color="darkgrey" text="Unknown" />;
  }
  const reasons = health.reasons.map(reasonText).join('\n');
  return (
    <Badge
      color={COLORS[health.status]}
      text={`${TEXT[health.status]} · ${Math.round(health.score * 100)}%`}
      tooltip={reasons || undefined}
    />
  );
}
