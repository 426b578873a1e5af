import React from 'react';
import { Badge, Stack, Text } from '@grafana/ui';
import { useAliases, useHealth } from '../../data/useModels';
import { HealthBadge, reasonText } from '../../components/HealthBadge';

export function HealthCell({ model }: { model: string }) {
  const health = useHealth(model);
  return health.error ? <Badge color="darkgrey" text="No data" /> : <HealthBadge health={health.data} />;
}

export function AliasesCell({ model }: { model: string }) {
  const aliases = useAliases(model).data;
  return (
    <Stack gap={0.5}>
      {aliases?.champion ? (
        <Badge color="green" text={`champion ${aliases.champion}`} />
      ) : (
        <Text color="secondary">no champion</Text>
      )}
      {aliases?.challenger ? <Badge color="blue" text={`challenger ${aliases.challenger}`} /> : null}
    </Stack>
  );
}

/** The reasons behind a degraded or failing health status: what needs attention. */
export function AlertsCell({ model }: { model: string }) {
  const health = useHealth(model).data;
  const reasons = (health?.reasons ?? []).map(reasonText);
  if (reasons.length === 0) {
    return <Text color="secondary">none</Text>;
  }
  return (
    <Text color={health?.status === 'failing' ? 'error' : 'warning'} truncate>
      {reasons.join('; ')}
    </Text>
  );
}
