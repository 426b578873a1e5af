/**
 * A TemplateSrv that interpolates as Grafana's does for the forms our dashboards use: `$name`,
 * `${name}`, `${name:format}` (csv, pipe, percentencode, raw, regex, json; default: the value,
 * or `{a,b}` for several), `[[name]]`, and `$__from`/`$__to`/`$__interval`. Values come from the
 * dashboard's variables, as set by the loader test.
 */
import type { ScopedVars, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

const PATTERN = /\$(\w+)|\[\[(\w+)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

function format(values: string[], fmt: string | undefined): string {
  switch (fmt) {
    case 'csv':
      return values.join(',');
    case 'pipe':
      return values.join('|');
    case 'percentencode':
      return encodeURIComponent(values.length > 1 ? `{${values.join(',')}}` : (values[0] ?? ''));
    case 'json':
      return JSON.stringify(values.length > 1 ? values : values[0]);
    case 'regex':
      return values.length > 1 ? `(${values.join('|')})` : (values[0] ?? '');
    default:
      return values.length > 1 ? `{${values.join(',')}}` : (values[0] ?? '');
  }
}

export function createTemplateSrv(variables: Record<string, string[]>, range: { from: number; to: number }): TemplateSrv {
  const builtIn: Record<string, string[]> = { __from: [String(range.from)], __to: [String(range.to)], __interval: ['1m'], __interval_ms: ['60000'], __rate_interval: ['4m'] };
  const lookup = (name: string, scoped?: ScopedVars) => {
    const s = scoped?.[name]?.value;
    if (s !== undefined) return Array.isArray(s) ? s.map(String) : [String(s)];
    return variables[name] ?? builtIn[name];
  };
  const replace = (target?: string, scopedVars?: ScopedVars, fmt?: string | Function): string =>
    (target ?? '').replace(PATTERN, (match, a, b, bFmt, c, cFmt) => {
      const values = lookup(a ?? b ?? c, scopedVars);
      if (!values) return match;
      const f = cFmt ?? bFmt ?? fmt;
      return typeof f === 'function' ? String(f(values.length > 1 ? values : values[0])) : format(values, f);
    });
  const names = Object.keys(variables);
  return {
    replace,
    getVariables: () => names.map((name) => ({ name, type: 'custom', current: { value: variables[name] } }) as unknown as TypedVariableModel),
    containsTemplate: (target?: string) => Boolean(target && [...target.matchAll(PATTERN)].length),
    updateTimeRange: () => {},
  } as unknown as TemplateSrv;
}
