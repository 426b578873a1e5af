import React, { useEffect, useRef } from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Drawer, useStyles2 } from '@grafana/ui';
import type { Job } from '@modelwatch/plugin-api';
import { useJobLogs } from '../../data/useJobs';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

/** A job's log in a drawer; follows new lines while the job runs. */
export function JobLogs({ job, onClose }: { job: Job; onClose: () => void }) {
  const styles = useStyles2(getStyles);
  const logs = useJobLogs(job.id);
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [logs.data?.lines.length]);
  return (
    <Drawer title={`Logs of job ${job.id}`} subtitle={`${job.model ?? ''} · ${job.status}`} onClose={onClose} size="lg">
      <QueryState query={logs} what="logs">
        {({ lines }) => (
          <pre className={styles.pre} data-testid={testIds.jobs.logs}>
            {lines.length === 0
              ? 'No output yet.'
              : lines.map((l) => (
                  <div
                    key={l.seq}
                    className={cx(l.stream === 'stderr' && styles.stderr, l.stream === 'system' && styles.system)}
                  >
                    {l.line}
                  </div>
                ))}
            <div ref={end} />
          </pre>
        )}
      </QueryState>
    </Drawer>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  pre: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
    maxHeight: '70vh',
    overflow: 'auto',
  }),
  stderr: css({ color: theme.colors.error.text }),
  system: css({ color: theme.colors.text.secondary }),
});
