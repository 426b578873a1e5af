import React from 'react';
import { PluginPage } from '@grafana/runtime';
import { Stack, Text } from '@grafana/ui';
import { PendingActions } from '../../components/PendingActions';
import { PolicyEditor } from '../../components/PolicyEditor';
import { QueryState } from '../../components/QueryState';
import { testIds } from '../../components/testIds';
import { usePolicies } from '../../data/usePolicies';

/** How alerts turn into actions, and the actions waiting for a person. */
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
          <Text element="h3">Policies</Text>
          <QueryState query={policies} what="policies">
            {(doc) => <PolicyEditor initial={doc} />}
          </QueryState>
        </Stack>
      </Stack>
    </PluginPage>
  );
}

export default Policies;
