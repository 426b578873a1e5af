import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, IconName } from '@grafana/data';
import { Icon, Stack, Text, useStyles2 } from '@grafana/ui';
import type { AuditEntry } from '@modelwatch/plugin-api';
import { useAudit } from '../../data/useModels';
import { dateTimeText, timeAgo } from '../../utils/format';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

const ICONS: Record<string, IconName> = {
  promote: 'arrow-up',
  rollback: 'history',
  retrain: 'sync',
  register: 'plus',
  alert: 'bell',
  experiment: 'code-branch',
};

export function entryTitle(e: AuditEntry): string {
  const versions =
    e.fromVersion && e.toVersion ? ` ${e.fromVersion} → ${e.toVersion}` : e.toVersion ? ` ${e.toVersion}` : '';
  return `${e.type}${versions}${e.status && e.status !== 'succeeded' ? ` (${e.status})` : ''}`;
}

/** What happened to the model, newest first: who did it, when, and why. */
export function AuditTimeline({ model }: { model?: string }) {
  const styles = useStyles2(getStyles);
  const audit = useAudit(model);
  return (
    <div data-testid={testIds.model.audit}>
      <QueryState query={audit} what="audit log">
        {(entries) =>
          entries.length === 0 ? (
            <p>Nothing recorded yet.</p>
          ) : (
            <ul className={styles.list}>
              {entries.map((e) => (
                <li key={e.id} className={styles.item}>
                  <Icon name={ICONS[e.type] ?? 'info-circle'} className={styles.icon} />
                  <Stack direction="column" gap={0}>
                    <Text weight="medium">
                      {model ? '' : `${e.model ?? ''} `}
                      {entryTitle(e)}
                    </Text>
                    <Text color="secondary" variant="bodySmall">
                      <span title={dateTimeText(e.createdAt)}>{timeAgo(e.createdAt)}</span> by {e.actor}
                      {e.reason ? ` — ${e.reason}` : ''}
                    </Text>
                  </Stack>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ listStyle: 'none', margin: 0, padding: 0 }),
  item: css({
    display: 'flex',
    gap: theme.spacing(1.5),
    padding: theme.spacing(1, 0),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  icon: css({ marginTop: theme.spacing(0.5), color: theme.colors.text.secondary }),
});
