/**
 * Structural checks of generated dashboard JSON, independent of how it was built: what Grafana
 * needs to load it and what our provisioning promises (datasource uids, variables, queries).
 * Returns problems as readable strings; an empty list means the dashboard is sound.
 */
import { MODELWATCH, PROMETHEUS } from './datasources.ts';

type Json = Record<string, unknown>;

/** The ModelWatch datasource's query model, read from the plugin's source (see readQueryModel). */
export interface QueryModel {
  queryTypes: string[];
  queryKeys: string[];
  variableKinds: string[];
}

export interface Expectations {
  uid: string;
  variables: string[];
  schemaVersion: number;
  queryModel: QueryModel;
}

const DATASOURCES: Record<string, string> = { [MODELWATCH.uid]: MODELWATCH.type, [PROMETHEUS.uid]: PROMETHEUS.type };
/** Grafana's own variables that dashboards may use without defining them. */
const BUILT_IN = /^__(interval|interval_ms|rate_interval|range|range_s|range_ms|from|to|all|dashboard|user|org|field|series|value|data|name|url_time_range|timezone)\b/;

/**
 * Panel types that render `fieldConfig.defaults.actions` (Grafana docs, "Configure data links and
 * actions → Supported visualizations"); on any other type Grafana drops the buttons silently.
 */
export const ACTION_PANEL_TYPES = ['barchart', 'candlestick', 'state-timeline', 'status-history', 'table', 'timeseries', 'trend', 'xychart'];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Names in `$name`, `${name}`, `${name:format}`, `[[name]]`. */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{([A-Za-z0-9_.]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g)) {
    const name = m[1] ?? m[2] ?? m[3];
    if (name) names.add(name);
  }
  return [...names];
}

/** Variables in a URL's path (before `?`) without the `:percentencode` format. */
export function rawPathVariables(url: string): string[] {
  const path = url.split('?')[0] ?? '';
  return [...path.matchAll(/\$\{([A-Za-z0-9_]+)(:[^}]*)?\}|\$([A-Za-z0-9_]+)/g)]
    .filter((m) => m[2] !== ':percentencode')
    .map((m) => (m[1] ?? m[3]) as string)
    .filter((name) => !BUILT_IN.test(name));
}

/**
 * Parses the plugin's query model from datasource-plugin/src/types.ts: the QUERY_TYPES list,
 * the keys of `interface MwQuery`, and VARIABLE_KINDS. Text parsing, because that file imports
 * Grafana's frontend packages that Node cannot load.
 */
export function parseQueryModel(source: string): QueryModel {
  const list = (name: string) => {
    const m = new RegExp(`export const ${name} = \\[([^\\]]*)\\]`).exec(source);
    if (!m?.[1]) throw new Error(`${name} not found in the datasource's types.ts`);
    return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1] as string);
  };
  const body = /export interface MwQuery extends DataQuery \{([\s\S]*?)\n\}/.exec(source)?.[1];
  if (!body) throw new Error('interface MwQuery not found in the datasource\'s types.ts');
  const keys = [...body.matchAll(/^\s*([A-Za-z0-9_]+)\??:/gm)].map((m) => m[1] as string);
  // DataQuery's own fields.
  return { queryTypes: list('QUERY_TYPES'), queryKeys: [...keys, 'refId', 'datasource', 'hide'], variableKinds: list('VARIABLE_KINDS') };
}

function checkDatasource(where: string, ds: unknown, problems: string[]): string | undefined {
  if (!isObject(ds) || typeof ds.uid !== 'string') {
    problems.push(`${where}: no datasource uid`);
    return undefined;
  }
  const type = DATASOURCES[ds.uid];
  if (!type) problems.push(`${where}: datasource uid "${ds.uid}" is not provisioned (want ${Object.keys(DATASOURCES).join(' or ')})`);
  else if (ds.type !== type) problems.push(`${where}: datasource "${ds.uid}" has type "${String(ds.type)}", want "${type}"`);
  return ds.uid;
}

function checkModelWatchQuery(where: string, query: Json, model: QueryModel, problems: string[]): void {
  for (const key of Object.keys(query)) {
    if (!model.queryKeys.includes(key)) problems.push(`${where}: "${key}" is not a field of the ModelWatch query (MwQuery)`);
  }
  const type = query.queryType;
  if (typeof type !== 'string' || !model.queryTypes.includes(type)) {
    problems.push(`${where}: queryType "${String(type)}" is not one of ${model.queryTypes.join(', ')}`);
  }
  // The datasource's filterQuery drops these queries silently when the field is empty.
  if ((type === 'kpi' || type === 'drift') && !query.model) problems.push(`${where}: ${type} query without a model`);
  if (type === 'experiment' && !query.experimentId) problems.push(`${where}: experiment query without experimentId`);
  if (type === 'kpi' && !query.kpi) problems.push(`${where}: kpi query without a kpi`);
}

function checkTarget(where: string, target: unknown, panelDs: string | undefined, model: QueryModel, problems: string[]): void {
  if (!isObject(target)) {
    problems.push(`${where}: not an object`);
    return;
  }
  if (typeof target.refId !== 'string' || target.refId === '') problems.push(`${where}: no refId`);
  const uid = checkDatasource(where, target.datasource, problems);
  if (panelDs && uid && uid !== panelDs) problems.push(`${where}: datasource "${uid}" differs from the panel's "${panelDs}"`);
  if (uid === PROMETHEUS.uid && (typeof target.expr !== 'string' || target.expr.trim() === '')) problems.push(`${where}: no PromQL expr`);
  if (uid === MODELWATCH.uid) checkModelWatchQuery(where, target, model, problems);
}

function checkLayout(panels: Json[], problems: string[]): void {
  const cells = new Map<string, string>();
  for (const panel of panels) {
    const pos = panel.gridPos;
    const name = `panel ${String(panel.id)} "${String(panel.title)}"`;
    if (!isObject(pos) || ![pos.x, pos.y, pos.w, pos.h].every((n) => Number.isInteger(n))) {
      problems.push(`${name}: gridPos missing or not integers`);
      continue;
    }
    const [x, y, w, h] = [pos.x, pos.y, pos.w, pos.h] as number[];
    if (x! < 0 || w! < 1 || x! + w! > 24 || h! < 1 || y! < 0) problems.push(`${name}: gridPos ${JSON.stringify(pos)} outside the 24-column grid`);
    for (let i = x!; i < x! + w!; i++) {
      for (let j = y!; j < y! + h!; j++) {
        const other = cells.get(`${i},${j}`);
        if (other) {
          problems.push(`${name} overlaps ${other}`);
          i = x! + w!;
          break;
        }
        cells.set(`${i},${j}`, name);
      }
    }
  }
}

export function validateDashboard(dashboard: unknown, expect: Expectations): string[] {
  const problems: string[] = [];
  if (!isObject(dashboard)) return ['dashboard is not a JSON object'];
  if (dashboard.uid !== expect.uid) problems.push(`uid is "${String(dashboard.uid)}", want "${expect.uid}"`);
  if (typeof dashboard.uid === 'string' && dashboard.uid.length > 40) problems.push('uid longer than 40 characters');
  if (typeof dashboard.title !== 'string' || !dashboard.title) problems.push('no title');
  if (dashboard.schemaVersion !== expect.schemaVersion) problems.push(`schemaVersion ${String(dashboard.schemaVersion)}, want ${expect.schemaVersion}`);
  if ('id' in dashboard && dashboard.id !== null) problems.push('has a database id (provisioned dashboards must not)');

  // Template variables: present, provisioned datasources, ModelWatch variable queries well-formed.
  const variables = asArray(isObject(dashboard.templating) ? dashboard.templating.list : undefined).filter(isObject);
  const defined = new Set(variables.map((v) => String(v.name)));
  for (const name of expect.variables) if (!defined.has(name)) problems.push(`template variable "${name}" missing`);
  for (const v of variables) {
    const where = `variable "${String(v.name)}"`;
    if (v.type !== 'query') continue;
    const uid = checkDatasource(where, v.datasource, problems);
    if (uid === MODELWATCH.uid) {
      const q = v.query;
      if (!isObject(q) || typeof q.kind !== 'string' || !expect.queryModel.variableKinds.includes(q.kind)) {
        problems.push(`${where}: ModelWatch variable query needs a kind of ${expect.queryModel.variableKinds.join(', ')}`);
      }
    }
  }

  // Panels: ids, datasource, targets.
  const all = asArray(dashboard.panels).filter(isObject);
  const panels = all.filter((p) => p.type !== 'row');
  if (panels.length === 0) problems.push('no panels');
  const ids = all.map((p) => p.id);
  if (new Set(ids).size !== ids.length || ids.some((id) => !Number.isInteger(id))) problems.push('panel ids missing or not unique');
  for (const panel of panels) {
    const where = `panel ${String(panel.id)} "${String(panel.title)}"`;
    if (typeof panel.title !== 'string' || !panel.title) problems.push(`${where}: no title`);
    const panelDs = checkDatasource(where, panel.datasource, problems);
    const targets = asArray(panel.targets);
    if (targets.length === 0) problems.push(`${where}: no targets`);
    const refIds = targets.map((t) => (isObject(t) ? t.refId : undefined));
    if (new Set(refIds).size !== refIds.length) problems.push(`${where}: duplicate refIds`);
    targets.forEach((t, i) => checkTarget(`${where} target ${i}`, t, panelDs, expect.queryModel, problems));
    const defaults = isObject(panel.fieldConfig) && isObject(panel.fieldConfig.defaults) ? panel.fieldConfig.defaults : {};
    const actions = asArray(defaults.actions).filter(isObject);
    if (actions.length && !ACTION_PANEL_TYPES.includes(String(panel.type))) {
      problems.push(`${where}: has actions, which Grafana does not render on a "${String(panel.type)}" panel (use ${ACTION_PANEL_TYPES.join(', ')})`);
    }
    for (const link of [...asArray(panel.links), ...asArray(defaults.links)].filter(isObject)) {
      if (typeof link.url === 'string') for (const raw of rawPathVariables(link.url)) problems.push(`${where}: link "${String(link.title)}" puts $${raw} in the URL path unencoded (use \${${raw}:percentencode})`);
    }
    for (const action of actions) {
      const fetch = isObject(action.fetch) ? action.fetch : {};
      const color = isObject(action.style) ? action.style.backgroundColor : undefined;
      // @grafana/ui's ActionButton passes it to getContrastText, which throws on a palette name.
      if (color !== undefined && !/^(#[0-9a-f]{3,8}|(rgba?|hsla?)\(.*\))$/i.test(String(color))) problems.push(`${where}: action "${String(action.title)}" has backgroundColor "${String(color)}" (use #rrggbb, rgb() or hsl())`);
      if (action.type !== 'fetch' || typeof fetch.url !== 'string' || !fetch.method) problems.push(`${where}: action "${String(action.title)}" is not a complete fetch action`);
      if (typeof fetch.url === 'string') for (const raw of rawPathVariables(fetch.url)) problems.push(`${where}: action "${String(action.title)}" puts $${raw} in the URL path unencoded (use \${${raw}:percentencode})`);
      if (typeof fetch.body === 'string') {
        try {
          JSON.parse(fetch.body);
        } catch {
          problems.push(`${where}: action "${String(action.title)}" body is not JSON`);
        }
      }
    }
  }
  checkLayout(all, problems);

  // Annotations from provisioned datasources.
  const annotations = asArray(isObject(dashboard.annotations) ? dashboard.annotations.list : undefined).filter(isObject);
  for (const a of annotations) {
    const where = `annotation "${String(a.name)}"`;
    const uid = checkDatasource(where, a.datasource, problems);
    if (uid === MODELWATCH.uid) {
      if (!isObject(a.target)) problems.push(`${where}: no target`);
      else checkModelWatchQuery(where, a.target, expect.queryModel, problems);
    }
  }

  // Every variable a query, link, action or annotation mentions is defined (or Grafana's own).
  const text = JSON.stringify({ panels: all, annotations, links: dashboard.links, templating: variables.map((v) => v.query) });
  for (const name of referencedVariables(text)) {
    if (!defined.has(name) && !BUILT_IN.test(name)) problems.push(`uses undefined variable "$${name}"`);
  }
  return problems;
}
