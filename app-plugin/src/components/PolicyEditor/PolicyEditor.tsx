import React, { useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, ConfirmModal, Field, Stack, Text, TextArea, useStyles2 } from '@grafana/ui';
import { errorMessage } from '../../api/client';
import type { DryRunAlert, PolicyDocument } from '../../api/types';
import { useDryRun, useSavePolicies } from '../../data/usePolicies';
import { hasRole } from '../../utils/roles';
import { testIds } from '../testIds';
import { DryRunResults } from './DryRunResults';
import { parseJsonObject } from './parseJson';

const SAMPLE_ALERT = JSON.stringify(
  { labels: { alertname: 'ModelCTRDrop', model: 'ctr-model', modelwatch_action: 'rollback' } },
  null,
  2
);

/**
 * Policies as JSON: edit, try them on a test alert (dry run: nothing acts), then save.
 * Viewers and editors read; admins change (the policies decide automatic rollbacks).
 */
export function PolicyEditor({ initial }: { initial: PolicyDocument }) {
  const styles = useStyles2(getStyles);
  const admin = hasRole('Admin');
  const [text, setText] = useState(() => JSON.stringify(initial, null, 2));
  const [alertText, setAlertText] = useState(SAMPLE_ALERT);
  const [confirming, setConfirming] = useState(false);
  const save = useSavePolicies();
  const dryRun = useDryRun();
  const parsed = parseJsonObject<PolicyDocument>(text);
  const parsedAlert = parseJsonObject<DryRunAlert>(alertText);

  return (
    <Stack direction="column" gap={2}>
      <Field
        label="Policies"
        invalid={!parsed.ok}
        error={parsed.ok ? undefined : parsed.error}
        description={admin ? undefined : 'Read-only: changing policies needs the Admin role'}
      >
        <TextArea
          className={styles.code}
          data-testid={testIds.policies.editor}
          rows={18}
          value={text}
          readOnly={!admin}
          spellCheck={false}
          onChange={(e) => setText(e.currentTarget.value)}
        />
      </Field>
      {admin && (
        <>
          <Field
            label="Test alert"
            description="Labels of an alert to try the policies on"
            invalid={!parsedAlert.ok}
            error={parsedAlert.ok ? undefined : parsedAlert.error}
          >
            <TextArea
              className={styles.code}
              rows={5}
              value={alertText}
              spellCheck={false}
              onChange={(e) => setAlertText(e.currentTarget.value)}
            />
          </Field>
          <Stack>
            <Button
              variant="secondary"
              icon="play"
              data-testid={testIds.policies.dryRun}
              disabled={!parsed.ok || !parsedAlert.ok || dryRun.isPending}
              onClick={() =>
                parsed.ok && parsedAlert.ok && dryRun.mutate({ policies: parsed.value, alerts: [parsedAlert.value] })
              }
            >
              Dry run
            </Button>
            <Button
              icon="save"
              data-testid={testIds.policies.save}
              disabled={!parsed.ok || save.isPending}
              onClick={() => setConfirming(true)}
            >
              Save policies
            </Button>
          </Stack>
        </>
      )}
      {dryRun.error ? (
        <Alert severity="error" title="Dry run failed">
          {errorMessage(dryRun.error)}
        </Alert>
      ) : null}
      {dryRun.data && (
        <Stack direction="column" gap={1}>
          <Text element="h4">Dry run: nothing was acted on</Text>
          <DryRunResults decisions={dryRun.data.decisions} />
        </Stack>
      )}
      {save.error ? (
        <Alert severity="error" title="Save failed">
          {errorMessage(save.error)}
        </Alert>
      ) : null}
      {save.isSuccess && <Alert severity="success" title="Policies saved" />}
      {confirming && parsed.ok && (
        <ConfirmModal
          isOpen
          title="Save policies?"
          body="From the next alert on, these policies decide which alerts retrain or roll back models automatically. Dry-run first if unsure."
          confirmText="Save"
          onConfirm={() => {
            save.mutate(parsed.value);
            setConfirming(false);
          }}
          onDismiss={() => setConfirming(false)}
        />
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  code: css({ fontFamily: theme.typography.fontFamilyMonospace }),
});
