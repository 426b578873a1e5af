import { fakeFetch, type Reply } from '@modelwatch/plugin-api/testing';
import { instanceSettings, queryRequest } from './testing/settings';

let routes: Record<string, Reply> = {};
let fake = fakeFetch(routes);
const variables: Record<string, string> = { $model: 'ctr-model', $features: 'age,price', $experiment: '' };

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
  getTemplateSrv: () => ({
    replace: (value: string) => variables[value] ?? value,
    getVariables: () => [],
  }),
}));

// Imported after the mock so the datasource sees it.
import { DataSource, parseVariableString, splitValues } from './datasource';

function setRoutes(next: Record<string, Reply>) {
  routes = next;
  fake = fakeFetch(routes);
}

describe('DataSource.query', () => {
  it('asks for KPIs over the request range with the panel interval as step, through the proxy route', async () => {
    setRoutes({
      '/api/v1/models/ctr-model/kpis': {
        data: { series: [{ kpi: 'ctr', version: 'v1', points: [[1_700_000_000_000, 0.04]] }] },
      },
    });
    const ds = new DataSource(instanceSettings());
    const response = await ds.query(queryRequest([{ refId: 'A', queryType: 'kpi', model: '$model', kpi: 'ctr' }]));
    expect(response.errors).toBeUndefined();
    expect(response.data).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.url).toBe('/api/datasources/proxy/uid/mw-uid/modelwatch/api/v1/models/ctr-model/kpis');
    expect(request.params).toEqual({ from: 1_700_000_000_000, to: 1_700_003_600_000, step: 60_000, kpi: 'ctr' });
  });

  it('expands multi-value feature variables and reports a failing query under its refId', async () => {
    setRoutes({
      '/api/v1/models/ctr-model/drift': {
        data: {
          versions: [
            {
              version: 'v1',
              windows: [
                {
                  ts: 1,
                  driftShare: 0,
                  datasetDrifted: false,
                  features: [
                    { feature: 'age', method: 'ks', score: 0.1, drifted: false },
                    { feature: 'price', method: 'ks', score: 0.2, drifted: false },
                    { feature: 'zip', method: 'ks', score: 0.9, drifted: true },
                  ],
                },
              ],
            },
          ],
        },
      },
      '/api/v1/experiments/nope/results': {
        status: 404,
        data: { error: { code: 'not_found', message: 'experiment "nope" does not exist' } },
      },
    });
    const ds = new DataSource(instanceSettings());
    const response = await ds.query(
      queryRequest([
        { refId: 'A', queryType: 'drift', model: '$model', features: ['$features'], method: 'ks' },
        { refId: 'B', queryType: 'experiment', experimentId: 'nope' },
      ])
    );
    expect(response.data.map((f) => f.name)).toEqual(['age', 'price']);
    expect(fake.requests[0]!.params).toMatchObject({ feature: 'age,price', method: 'ks' });
    expect(response.errors).toEqual([{ refId: 'B', message: '404: experiment "nope" does not exist' }]);
  });

  it('asks for data quality over the request range and filters the features', async () => {
    const feature = (name: string, missingRate: number) => ({
      feature: name,
      type: 'numeric',
      records: 200,
      missing: missingRate * 200,
      missingRate,
      referenceMissingRate: 0,
      outOfRange: 0,
      outOfRangeRate: 0,
      unseen: null,
      unseenRate: null,
      typeErrors: 0,
      typeErrorRate: 0,
      mean: 1,
      referenceMean: 1,
      referenceStd: 1,
      meanShiftSigmas: 0,
      enoughVolume: true,
      flags: missingRate > 0.05 ? ['missing'] : [],
    });
    setRoutes({
      '/api/v1/models/ctr-model/data-quality': {
        data: {
          versions: [
            {
              version: 'v1',
              records: 200,
              rejected: 0,
              features: [feature('age', 0.1), feature('price', 0), feature('zip', 0)],
              meanVectorDistance: 0,
              lastRecordAt: '2026-01-01T00:00:00.000Z',
              secondsSinceLastRecord: 30,
              noTraffic: false,
            },
          ],
        },
      },
    });
    const ds = new DataSource(instanceSettings());
    const response = await ds.query(
      queryRequest([{ refId: 'A', queryType: 'dataQuality', model: '$model', version: 'v1', features: ['$features'] }])
    );
    expect(response.errors).toBeUndefined();
    expect(fake.requests[0]!.url).toBe(
      '/api/datasources/proxy/uid/mw-uid/modelwatch/api/v1/models/ctr-model/data-quality'
    );
    expect(fake.requests[0]!.params).toEqual({ from: 1_700_000_000_000, to: 1_700_003_600_000, version: 'v1' });
    const [perFeature, perVersion] = response.data;
    expect(perFeature.fields.find((f: { name: string }) => f.name === 'feature').values).toEqual(['age', 'price']);
    expect(perFeature.fields.find((f: { name: string }) => f.name === 'flags').values).toEqual(['missing', '']);
    expect(perVersion.fields.find((f: { name: string }) => f.name === 'lastRecordAt').values).toEqual([
      Date.parse('2026-01-01T00:00:00.000Z'),
    ]);
  });

  it('asks for data quality per window with the panel interval when a value is plotted over time', async () => {
    setRoutes({
      '/api/v1/models/ctr-model/data-quality': {
        data: {
          versions: [
            {
              version: 'v1',
              windows: [
                { ts: 1, records: 5, rejected: 0, features: [{ feature: 'age', typeErrorRate: 0.2, flags: [] }] },
              ],
            },
          ],
        },
      },
    });
    const ds = new DataSource(instanceSettings());
    const response = await ds.query(
      queryRequest([{ refId: 'A', queryType: 'dataQuality', model: 'ctr-model', dataQualityField: 'typeErrorRate' }])
    );
    expect(fake.requests[0]!.params).toEqual({ from: 1_700_000_000_000, to: 1_700_003_600_000, step: 60_000 });
    expect(response.data.map((f) => f.name)).toEqual(['age']);
  });

  it('skips hidden queries and queries without the model they need', async () => {
    setRoutes({});
    const ds = new DataSource(instanceSettings());
    const response = await ds.query(
      queryRequest([
        { refId: 'A', queryType: 'kpi' },
        { refId: 'B', queryType: 'kpi', model: 'm', hide: true },
        { refId: 'D', queryType: 'dataQuality' },
        // A variable with no value yet (no experiments): nothing to ask for.
        { refId: 'C', queryType: 'experiment', experimentId: '$experiment' },
      ])
    );
    expect(response.data).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('serves audit entries in the time range for annotations', async () => {
    setRoutes({
      '/api/v1/audit': {
        data: {
          actions: [
            {
              id: '1',
              type: 'promote',
              status: 'succeeded',
              model: 'm',
              actor: 'a',
              reason: 'r',
              fromVersion: 'v1',
              toVersion: 'v2',
              jobId: null,
              createdAt: '2026-01-01T00:00:00Z',
            },
          ],
        },
      },
    });
    const ds = new DataSource(instanceSettings());
    expect(ds.annotations?.getDefaultQuery?.()).toEqual({ queryType: 'audit' });
    const response = await ds.query(queryRequest([{ refId: 'Anno', queryType: 'audit', model: 'm' }]));
    expect(fake.requests[0]!.params).toEqual({ model: 'm', from: 1_700_000_000_000, to: 1_700_003_600_000 });
    expect(response.data[0]!.fields.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['time', 'title', 'text', 'tags'])
    );
  });
});

describe('DataSource.interpolateVariablesInQueries', () => {
  it('resolves dashboard variables, as Explore and "copy to another datasource" need', () => {
    const ds = new DataSource(instanceSettings());
    const [query] = ds.interpolateVariablesInQueries(
      [{ refId: 'A', queryType: 'kpi', model: '$model', kpi: 'ctr', features: ['$features'] }],
      {}
    );
    expect(query).toMatchObject({ refId: 'A', model: 'ctr-model', kpi: 'ctr', features: ['age', 'price'] });
    expect(query?.datasource).toEqual({ type: 'modelwatch-mlops-datasource', uid: 'mw-uid' });
  });
});

describe('DataSource.testDatasource', () => {
  it('says what to fix when the URL is missing', async () => {
    const ds = new DataSource(instanceSettings({}));
    const result = await ds.testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toMatch(/Set the ModelWatch backend URL/);
  });

  it('tells an unreachable backend from a rejected token', async () => {
    setRoutes({ '/healthz': { status: 502, data: { message: 'Bad Gateway' } } });
    const ds = new DataSource(instanceSettings());
    expect((await ds.testDatasource()).message).toMatch(/cannot reach http:\/\/modelwatch:8080/);

    setRoutes({
      '/healthz': { data: { status: 'ok' } },
      '/api/v1/models': { status: 401, data: { error: { code: 'unauthorized', message: 'invalid token' } } },
    });
    const rejected = await ds.testDatasource();
    expect(rejected.status).toBe('error');
    expect(rejected.message).toMatch(/rejected the API token.*401: invalid token/);
  });

  it("reads Grafana's datasource proxy 400 (its rewrite of the backend's 401) as a rejected token", async () => {
    // Grafana's datasource proxy turns an upstream 401 into 400 with a plain-text body.
    setRoutes({
      '/healthz': { data: { status: 'ok' } },
      '/api/v1/models': { status: 400, data: 'Authentication to data source failed' },
    });
    const rejected = await new DataSource(instanceSettings()).testDatasource();
    expect(rejected.status).toBe('error');
    expect(rejected.message).toMatch(/rejected the API token.*400: Authentication to data source failed/);
  });

  it('succeeds with the number of models', async () => {
    setRoutes({
      '/healthz': { data: { status: 'ok' } },
      '/api/v1/models': { data: { models: [{ name: 'a', task: 't', features: [] }] } },
    });
    const result = await new DataSource(instanceSettings()).testDatasource();
    expect(result).toEqual({
      status: 'success',
      message: 'Connected to ModelWatch at http://modelwatch:8080: 1 model.',
    });
  });
});

describe('variables', () => {
  it('lists versions of an interpolated model', async () => {
    setRoutes({ '/api/v1/models/ctr-model/versions': { data: { versions: [{ version: 'v1' }, { version: 'v2' }] } } });
    const ds = new DataSource(instanceSettings());
    const values = await ds.metricFindQuery({ refId: 'v', kind: 'versions', model: '$model' });
    expect(values).toEqual([
      { text: 'v1', value: 'v1' },
      { text: 'v2', value: 'v2' },
    ]);
  });

  it('parses the legacy string form and splits multi-values', () => {
    expect(parseVariableString('features(ctr-model)')).toEqual({ kind: 'features', model: 'ctr-model' });
    expect(parseVariableString('arms($exp)')).toEqual({ kind: 'arms', experimentId: '$exp' });
    expect(parseVariableString('models')).toEqual({ kind: 'models', model: undefined });
    expect(splitValues('{a,b}')).toEqual(['a', 'b']);
  });
});
