import React, { useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, ConfirmModal, Field, InlineSwitch, Stack, Text, TextArea, useStyles2 } from '@grafana/ui';
import { errorMessage } from '../../api/client';
import type { PolicyDocument, PolicyInput } from '@modelwatch/plugin-api';
import { useSavePolicies } from '../../data/usePolicies';
import { dateTimeText } from '../../utils/format';
import { hasRole } from '../../utils/roles';
import { testIds } from '../testIds';
import { parseJsonObject } from './parseJson';

type Editable = Pick<PolicyDocument, 'dryRun' | 'maxActionsPerHour' | 'maxActionsPerModelPerHour' | 'policies'>;

/** Every field PUT takes, so saving the text back never resets a limit the text left out. */
export function editable(doc: PolicyDocument): Editable {
  return {
    dryRun: doc.dryRun,
    maxActionsPerHour: doc.maxActionsPerHour,
    maxActionsPerModelPerHour: doc.maxActionsPerModelPerHour,
    policies: doc.policies,
  };
}

/**
 * The alert policies as JSON. "Dry run" makes every policy decide and record without acting:
 * the decisions appear under "Recent alerts", so a change can be tried safely before it acts.
 * Only admins change policies (they decide automatic rollbacks); others read.
 */
export function PolicyEditor({ document }: { document: PolicyDocument }) {
  const styles = useStyles2(getStyles);
  const admin = hasRole('Admin');
  const [text, setText] = useState(() => JSON.stringify(editable(document), null, 2));
  const [confirming, setConfirming] = useState(false);
  const save = useSavePolicies();
  // What PUT takes; the backend validates the text a person typed and says which field is wrong.
  const parsed = parseJsonObject<PolicyInput>(text);
  const dryRun = parsed.ok ? Boolean(parsed.value.dryRun) : document.dryRun;

  const setDryRun = (on: boolean) => {
    if (parsed.ok) {
      setText(JSON.stringify({ ...parsed.value, dryRun: on }, null, 2));
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <Text color="secondary">
        {document.isDefault
          ? 'The default policy is in force (nothing stored yet).'
          : `Saved ${dateTimeText(document.updatedAt)} by ${document.updatedBy ?? 'unknown'}.`}
      </Text>
      <InlineSwitch
        label="Dry run: decide and record, never act"
        showLabel
        value={dryRun}
        disabled={!admin || !parsed.ok}
        onChange={(e) => setDryRun(e.currentTarget.checked)}
      />
      <Field
        label="Policies"
        invalid={!parsed.ok}
        error={parsed.ok ? undefined : parsed.error}
        description={
          admin
            ? 'Tried in order; the first enabled policy whose labels match decides.'
            : 'Read-only: changing policies needs the Admin role'
        }
      >
        <TextArea
          className={styles.code}
          data-testid={testIds.policies.editor}
          rows={20}
          value={text}
          readOnly={!admin}
          spellCheck={false}
          onChange={(e) => setText(e.currentTarget.value)}
        />
      </Field>
      {admin && (
        <Stack>
          <Button
            icon="save"
            data-testid={testIds.policies.save}
            disabled={!parsed.ok || save.isPending}
            onClick={() => setConfirming(true)}
          >
            Save policies
          </Button>
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
          body={
            parsed.value.dryRun
              ? 'Dry run is on: from the next alert, policies decide and record what they would do, and nothing acts.'
              : 'Dry run is off: from the next alert, these policies retrain or roll back models automatically.'
          }
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
