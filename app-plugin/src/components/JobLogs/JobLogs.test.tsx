import React from 'react';
import { screen } from '@testing-library/react';
import type { Job } from '@modelwatch/plugin-api';
import { fakeFetch, partial } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { JobLogs } from './JobLogs';
import { readNewLines } from '../../data/useJobs';

const line = (seq: number, text: string) => ({ seq, ts: '', stream: 'stdout' as const, line: text });

describe('JobLogs', () => {
  it('shows the log lines', async () => {
    fake = fakeFetch({
      'GET /read/api/v1/jobs/j1/logs': {
        data: {
          logs: [line(1, 'epoch 1 loss 0.4'), line(2, 'epoch 2 loss 0.3')],
          next: 2,
          done: true,
          status: 'succeeded',
        },
      },
    });
    renderWithProviders(
      <JobLogs job={partial<Job>({ id: 'j1', status: 'succeeded', progress: 1 })} onClose={jest.fn()} />
    );
    expect(await screen.findByTestId(testIds.jobs.logs)).toHaveTextContent('epoch 2 loss 0.3');
  });

  it('asks only for lines after the last one seen', async () => {
    fake = fakeFetch({
      'GET /read/api/v1/jobs/j1/logs': (request) => {
        const after = Number(request.params?.after);
        return after === 0
          ? { data: { logs: [line(1, 'a')], next: 1, done: false, status: 'running' } }
          : { data: { logs: [], next: after, done: false, status: 'running' } };
      },
    });
    const first = await readNewLines('j1');
    const second = await readNewLines('j1', first);
    expect(second.lines.map((l) => l.line)).toEqual(['a']);
    expect(fake.requests.map((r) => r.params?.after)).toEqual([0, 1, 1]);
  });
});
