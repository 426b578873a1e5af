import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

interface Props {
  low: number;
  high: number;
  effect: number;
  /** Half-width of the axis, symmetric around 0 (e.g. 0.2 for ±20%). */
  scale: number;
}

/** Position of a value on a symmetric axis [-scale, scale], as a percentage of the width, clamped. */
export function axisPosition(value: number, scale: number): number {
  const s = scale > 0 ? scale : 1;
  return Math.min(100, Math.max(0, ((value + s) / (2 * s)) * 100));
}

/** A confidence interval drawn against zero: green if all above, red if all below, grey if it spans 0. */
export function IntervalBar({ low, high, effect, scale }: Props) {
  const styles = useStyles2(getStyles);
  const tone = low > 0 ? styles.win : high < 0 ? styles.loss : styles.unsure;
  const left = axisPosition(low, scale);
  const right = axisPosition(high, scale);
  return (
    <div className={styles.track} role="img" aria-label={`interval ${low} to ${high}`}>
      <div className={styles.zero} style={{ left: '50%' }} />
      <div className={`${styles.range} ${tone}`} style={{ left: `${left}%`, width: `${Math.max(1, right - left)}%` }} />
      <div className={styles.point} style={{ left: `${axisPosition(effect, scale)}%` }} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  track: css({
    position: 'relative',
    width: 160,
    height: 14,
    background: theme.colors.background.secondary,
    borderRadius: 2,
  }),
  zero: css({ position: 'absolute', top: 0, bottom: 0, width: 1, background: theme.colors.text.secondary }),
  range: css({ position: 'absolute', top: 4, height: 6, borderRadius: 2 }),
  point: css({
    position: 'absolute',
    top: 2,
    width: 2,
    height: 10,
    marginLeft: -1,
    background: theme.colors.text.primary,
  }),
  win: css({ background: theme.colors.success.main }),
  loss: css({ background: theme.colors.error.main }),
  unsure: css({ background: theme.colors.text.disabled }),
});
