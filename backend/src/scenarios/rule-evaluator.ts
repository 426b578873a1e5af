import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * An in-process stand-in for Prometheus + Alertmanager, for machines without them and for the
 * scenario engine: it reads the SHIPPED alert rules (provisioning/prometheus/rules/*.yml),
 * evaluates them against the service's own /metrics exposition on the service's clock (so
 * virtual time counts `for:` too), and delivers firing and resolved alerts in Alertmanager's
 * webhook format. It understands the PromQL our rules use — selectors with `=` matchers,
 * `max|min|sum by (labels) (…)`, `… * number`, a comparison with a number as a filter, and
 * `A and on (labels) (B)` — with Prometheus's semantics; a rule of any other shape is reported
 * as skipped, never guessed.
 */
export type Expr =
  | { type: 'selector'; metric: string; matchers: Record<string, string> }
  | { type: 'aggregate'; op: 'max' | 'min' | 'sum'; by: string[]; of: Expr }
  | { type: 'scale'; of: Expr; factor: number }
  | { type: 'compare'; of: Expr; op: CompareOp; threshold: number }
  | { type: 'and'; left: Expr; right: Expr; on: string[] };

type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

export interface AlertRule {
  alert: string;
  expr: Expr;
  forMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface FiredAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
}

export function loadRules(files: string[]): { rules: AlertRule[]; skipped: string[] } {
  const rules: AlertRule[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const doc = parseYaml(fs.readFileSync(file, 'utf8')) as { groups?: Array<{ rules?: Array<Record<string, any>> }> };
    for (const rule of (doc.groups ?? []).flatMap((g) => g.rules ?? [])) {
      if (!rule.alert) continue;
      const expr = parseExpr(String(rule.expr));
      if (!expr) {
        skipped.push(rule.alert);
        continue;
      }
      rules.push({ alert: rule.alert, expr, forMs: parseDurationMs(rule.for ?? '0s'), labels: rule.labels ?? {}, annotations: rule.annotations ?? {} });
    }
  }
  return { rules, skipped };
}

const tokenPattern = /\s*(\d+(?:\.\d+)?(?:e-?\d+)?|[a-zA-Z_:][\w:]*|==|!=|>=|<=|[><(){},*=-]|"(?:[^"\\]|\\.)*")/y;

/** The expression, or undefined when it uses anything this evaluator does not implement. */
export function parseExpr(text: string): Expr | undefined {
  const tokens: string[] = [];
  tokenPattern.lastIndex = 0;
  const source = text.trim();
  while (tokenPattern.lastIndex < source.length) {
    const m = tokenPattern.exec(source);
    if (!m) return undefined;
    tokens.push(m[1]!);
  }
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string): string => {
    const t = tokens[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new Error(`expected ${want ?? 'a token'}, got ${t ?? 'the end'}`);
    return t;
  };
  const number = (): number => {
    let sign = 1;
    if (peek() === '-') {
      take('-');
      sign = -1;
    }
    const t = take();
    if (!/^\d/.test(t)) throw new Error(`expected a number, got ${t}`);
    return sign * Number(t);
  };
  const labelList = (): string[] => {
    take('(');
    const out: string[] = [];
    while (peek() !== ')') {
      out.push(take());
      if (peek() === ',') take(',');
    }
    take(')');
    return out;
  };
  const and = (): Expr => {
    let left = compare();
    while (peek() === 'and') {
      take('and');
      take('on');
      const on = labelList();
      left = { type: 'and', left, right: compare(), on };
    }
    return left;
  };
  const compare = (): Expr => {
    const of = scale();
    const op = peek();
    if (op === '==' || op === '!=' || op === '>' || op === '>=' || op === '<' || op === '<=') {
      take();
      return { type: 'compare', of, op, threshold: number() };
    }
    return of;
  };
  const scale = (): Expr => {
    const of = primary();
    if (peek() !== '*') return of;
    take('*');
    return { type: 'scale', of, factor: number() };
  };
  const primary = (): Expr => {
    const t = take();
    if (t === '(') {
      const inner = and();
      take(')');
      return inner;
    }
    if ((t === 'max' || t === 'min' || t === 'sum') && peek() === 'by') {
      take('by');
      const by = labelList();
      take('(');
      const of = and();
      take(')');
      return { type: 'aggregate', op: t, by, of };
    }
    if (!/^[a-zA-Z_:]/.test(t)) throw new Error(`unexpected ${t}`);
    const matchers: Record<string, string> = {};
    if (peek() === '{') {
      take('{');
      while (peek() !== '}') {
        const name = take();
        take('=');
        matchers[name] = JSON.parse(take()) as string;
        if (peek() === ',') take(',');
      }
      take('}');
    }
    return { type: 'selector', metric: t, matchers };
  };
  try {
    const expr = and();
    return i === tokens.length ? expr : undefined;
  } catch {
    return undefined;
  }
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    samples.push({ name: match[1]!, labels: parseLabels(match[2] ?? ''), value: Number(match[3]) });
  }
  return samples;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_]\w*)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return labels;
}

function parseDurationMs(text: string): number {
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  for (const m of String(text).matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

const compare = (a: number, op: CompareOp, b: number): boolean =>
  op === '==' ? a === b : op === '!=' ? a !== b : op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;

type Vector = Array<{ labels: Record<string, string>; value: number }>;

const keyOf = (labels: Record<string, string>, names: readonly string[]): string => JSON.stringify(names.map((n) => labels[n] ?? ''));

/** An expression's result vector over one scrape, as Prometheus evaluates it. */
export function evaluateExpr(expr: Expr, samples: Sample[]): Vector {
  switch (expr.type) {
    case 'selector':
      return samples
        .filter((s) => s.name === expr.metric && Object.entries(expr.matchers).every(([k, v]) => s.labels[k] === v) && Number.isFinite(s.value))
        .map((s) => ({ labels: s.labels, value: s.value }));
    case 'aggregate': {
      const groups = new Map<string, { labels: Record<string, string>; value: number }>();
      for (const e of evaluateExpr(expr.of, samples)) {
        const key = keyOf(e.labels, expr.by);
        const current = groups.get(key);
        if (!current) groups.set(key, { labels: Object.fromEntries(expr.by.filter((k) => e.labels[k] !== undefined).map((k) => [k, e.labels[k]!])), value: e.value });
        else current.value = expr.op === 'sum' ? current.value + e.value : expr.op === 'max' ? Math.max(current.value, e.value) : Math.min(current.value, e.value);
      }
      return [...groups.values()];
    }
    case 'scale':
      return evaluateExpr(expr.of, samples).map((e) => ({ labels: e.labels, value: e.value * expr.factor }));
    case 'compare':
      return evaluateExpr(expr.of, samples).filter((e) => compare(e.value, expr.op, expr.threshold));
    case 'and': {
      const right = new Set(evaluateExpr(expr.right, samples).map((e) => keyOf(e.labels, expr.on)));
      return evaluateExpr(expr.left, samples).filter((e) => right.has(keyOf(e.labels, expr.on)));
    }
  }
}

/** Pending → firing after `for`, firing → resolved when the condition clears; like Prometheus. */
export class RuleEvaluator {
  private readonly rules: AlertRule[];
  private readonly active = new Map<string, { since: number; firing: boolean; labels: Record<string, string>; annotations: Record<string, string> }>();

  constructor(rules: AlertRule[]) {
    this.rules = rules;
  }

  evaluate(samples: Sample[], now: number): FiredAlert[] {
    const seen = new Set<string>();
    const out: FiredAlert[] = [];
    for (const rule of this.rules) {
      for (const result of evaluateExpr(rule.expr, samples)) {
        const labels = { alertname: rule.alert, ...result.labels, ...rule.labels };
        const key = JSON.stringify(Object.entries(labels).sort());
        seen.add(key);
        const annotations = Object.fromEntries(
          Object.entries(rule.annotations).map(([k, v]) => [k, String(v).replace(/\{\{\s*\$value[^}]*\}\}/g, result.value.toPrecision(3)).replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_m, l: string) => labels[l as keyof typeof labels] ?? '')]),
        );
        const state = this.active.get(key) ?? { since: now, firing: false, labels, annotations };
        this.active.set(key, state);
        if (!state.firing && now - state.since >= rule.forMs) {
          state.firing = true;
          out.push(toAlert('firing', state, now, key));
        }
      }
    }
    for (const [key, state] of this.active) {
      if (seen.has(key)) continue;
      this.active.delete(key);
      if (state.firing) out.push(toAlert('resolved', state, now, key));
    }
    return out;
  }
}

function toAlert(status: FiredAlert['status'], state: { since: number; labels: Record<string, string>; annotations: Record<string, string> }, now: number, key: string): FiredAlert {
  return {
    status,
    labels: state.labels,
    annotations: state.annotations,
    startsAt: new Date(state.since).toISOString(),
    endsAt: status === 'resolved' ? new Date(now).toISOString() : '0001-01-01T00:00:00Z',
    // Like Alertmanager's: a hash of the whole label set (a prefix of it would be the same for every alert).
    fingerprint: createHash('sha256').update(key).digest('hex').slice(0, 16),
  };
}

/** Alertmanager webhook payload, version 4, for a group of alerts. */
export function alertmanagerPayload(alerts: FiredAlert[]): unknown {
  const status = alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
  return {
    version: '4',
    groupKey: `{}:{alertname="${alerts[0]?.labels.alertname ?? ''}"}`,
    status,
    receiver: 'modelwatch',
    groupLabels: { alertname: alerts[0]?.labels.alertname ?? '' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'modelwatch-demo://in-process-evaluator',
    alerts,
  };
}
