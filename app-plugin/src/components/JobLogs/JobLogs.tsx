import React, { useEffect, useRef } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Drawer, useStyles2 } from '@grafana/ui';
import type { Job } from '../../api/types';
import { isActive, useJobLogs } from '../../data/useJobs';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

/** A job's log in a drawer; follows the tail while the job runs. */
export function JobLogs({ job, onClose }: { job: Job; onClose: () => void }) {
  const styles = useStyles2(getStyles);
  const logs = useJobLogs(job.id, isActive(job));
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [logs.data]);
  return (
    <Drawer title={`Logs of job ${job.id}`} subtitle={`${job.model ?? ''} · ${job.status}`} onClose={onClose} size="lg">
      <QueryState query={logs} what="logs">
        {(text) => (
          <pre className={styles.pre} data-testid={testIds.jobs.logs}>
            {text || 'No output yet.'}
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
});
