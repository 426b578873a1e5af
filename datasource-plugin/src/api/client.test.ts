import { fakeFetch } from '@modelwatch/plugin-api/testing';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { datasourceClient, describeError } from './client';

describe('datasourceClient', () => {
  it('reads through the datasource proxy route, drops empty params and encodes names', async () => {
    fake = fakeFetch({ '/api/v1/models/a%2Fb/versions': { data: { versions: [{ version: 'v1' }] } } });
    const versions = await datasourceClient('uid-1').listVersions('a/b');
    expect(versions).toEqual([{ version: 'v1' }]);
    fake = fakeFetch({ '/api/v1/jobs': { data: { jobs: [] } } });
    await datasourceClient('uid-1').listJobs({ model: 'm', status: '' });
    expect(fake.requests[0]).toMatchObject({
      url: '/api/datasources/proxy/uid/uid-1/modelwatch/api/v1/jobs',
      method: 'GET',
      params: { model: 'm' },
      showErrorAlert: false,
    });
  });
});

describe('describeError', () => {
  it('prefers the ModelWatch error message, then Grafana proxy message', () => {
    expect(describeError({ status: 400, data: { error: { code: 'bad', message: 'step: expected a duration' } } })).toBe(
      '400: step: expected a duration'
    );
    expect(describeError({ status: 502, data: { message: 'Bad Gateway' } })).toBe('502: Bad Gateway');
    expect(describeError(new Error('boom'))).toBe('boom');
  });
});
