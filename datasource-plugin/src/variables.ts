import {
  CustomVariableSupport,
  DataQueryRequest,
  DataQueryResponse,
  createDataFrame,
  FieldType,
  MetricFindValue,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { from, Observable } from 'rxjs';
import { map } from 'rxjs/operators';
import type { ApiClient } from '@modelwatch/plugin-api';
import { VariableQueryEditor } from './components/VariableQueryEditor/VariableQueryEditor';
import type { DataSource } from './datasource';
import type { MwVariableQuery } from './types';

/** Lists what a template variable offers: models, a model's versions or features, experiments, arms. */
export async function findVariableValues(
  api: ApiClient,
  query: Omit<MwVariableQuery, 'refId'>,
  interpolate: (value: string) => string = (v) => v
): Promise<MetricFindValue[]> {
  const model = query.model ? interpolate(query.model) : '';
  switch (query.kind) {
    case 'models':
      return (await api.listModels()).map((m) => ({ text: m.name, value: m.name }));
    case 'versions':
      return model ? (await api.listVersions(model)).map((v) => ({ text: v.version, value: v.version })) : [];
    case 'features':
      return model ? (await api.getModel(model)).features.map((f) => ({ text: f.name, value: f.name })) : [];
    case 'experiments':
      return (await api.listExperiments(model || undefined)).map((e) => ({
        text: `${e.id} (${e.model}, ${e.primaryMetric})`,
        value: e.id,
      }));
    case 'arms': {
      const id = query.experimentId ? interpolate(query.experimentId) : '';
      const experiment = (await api.listExperiments()).find((e) => e.id === id);
      return (experiment?.arms ?? []).map((a) => ({ text: a.name, value: a.name }));
    }
    default:
      return [];
  }
}

export class MwVariableSupport extends CustomVariableSupport<DataSource, MwVariableQuery> {
  private readonly datasource: DataSource;
  editor = VariableQueryEditor;

  constructor(datasource: DataSource) {
    super();
    this.datasource = datasource;
  }

  query(request: DataQueryRequest<MwVariableQuery>): Observable<DataQueryResponse> {
    const [target] = request.targets;
    const interpolate = (value: string) => getTemplateSrv().replace(value, request.scopedVars);
    if (!target) {
      return from([{ data: [] }]);
    }
    return from(findVariableValues(this.datasource.api, target, interpolate)).pipe(
      map((values) => ({
        data: [
          createDataFrame({
            refId: target.refId,
            fields: [
              { name: 'text', type: FieldType.string, values: values.map((v) => v.text) },
              { name: 'value', type: FieldType.string, values: values.map((v) => String(v.value ?? v.text)) },
            ],
          }),
        ],
      }))
    );
  }
}
