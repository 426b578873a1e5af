import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { JobStatus } from '@modelwatch/plugin-api';
import { testIds } from '../testIds';

/** Progress 0..1 as a bar, coloured by job status. */
export function ProgressBar({ value, status }: { value: number; status: JobStatus }) {
  const styles = useStyles2(getStyles);
  const clamped = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
  const pct = Math.round(clamped * 100);
  return (
    <div
      className={styles.track}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      aria-label={`${status} ${pct}%`}
      data-testid={testIds.jobs.progress}
    >
      <div className={`${styles.bar} ${styles[status] ?? ''}`} style={{ width: `${pct}%` }} />
      <span className={styles.label}>{pct}%</span>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  track: css({
    position: 'relative',
    width: 160,
    height: 16,
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    overflow: 'hidden',
  }),
  bar: css({ height: '100%', transition: 'width 0.5s' }),
  label: css({
    position: 'absolute',
    inset: 0,
    textAlign: 'center',
    fontSize: theme.typography.bodySmall.fontSize,
    lineHeight: '16px',
  }),
  queued: css({ background: theme.colors.text.disabled }),
  running: css({ background: theme.colors.primary.main }),
  succeeded: css({ background: theme.colors.success.main }),
  failed: css({ background: theme.colors.error.main }),
  cancelled: css({ background: theme.colors.warning.main }),
});
