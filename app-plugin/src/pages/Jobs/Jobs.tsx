import React from 'react';
import { PluginPage } from '@grafana/runtime';
import { JobsTable } from '../../components/JobsTable';
import { QueryState } from '../../components/QueryState';
import { testIds } from '../../components/testIds';
import { useJobs } from '../../data/useJobs';

/** Retrain and other jobs; refreshes every few seconds while any job runs. */
export function Jobs() {
  const jobs = useJobs();
  return (
    <PluginPage>
      <div data-testid={testIds.jobs.page}>
        <QueryState query={jobs} what="jobs">
          {(list) =>
            list.length === 0 ? <p>No jobs yet. Retrain a model to start one.</p> : <JobsTable jobs={list} />
          }
        </QueryState>
      </div>
    </PluginPage>
  );
}

export default Jobs;
