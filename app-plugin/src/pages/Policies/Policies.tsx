import React from 'react';
import { PluginPage } from '@grafana/runtime';
import { Stack, Text } from '@grafana/ui';
import { PendingActions } from '../../components/PendingActions';
import { PolicyEditor } from '../../components/PolicyEditor';
import { QueryState } from '../../components/QueryState';
import { RecentAlerts } from '../../components/RecentAlerts';
import { testIds } from '../../components/testIds';
import { usePolicies } from '../../data/usePolicies';

/** How alerts turn into actions: what waits for approval, what was decided, and the policies. */
export function Policies() {
  const policies = usePolicies();
  return (
    <PluginPage>
      <Stack direction="column" gap={3} data-testid={testIds.policies.page}>
        <Stack direction="column" gap={1}>
          <Text element="h3">Waiting for approval</Text>
          <PendingActions />
        </Stack>
        <Stack direction="column" gap={1}>
          <Text element="h3">Recent alerts</Text>
          <RecentAlerts />
        </Stack>
        <Stack direction="column" gap={1}>
          <Text element="h3">Policies</Text>
          <QueryState query={policies} what="policies">
            {(doc) => <PolicyEditor document={doc} />}
          </QueryState>
        </Stack>
      </Stack>
    </PluginPage>
  );
}

export default Policies;
