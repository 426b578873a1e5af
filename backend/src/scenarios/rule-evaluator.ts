import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * An in-process stand-in for Prometheus + Alertmanager, for machines without them: it reads
 * the SHIPPED alert rules (provisioning/prometheus/rules/*.yml), evaluates them against the
 * service's own /metrics exposition on the service's clock (so a compressed clock compresses
 * `for:` too), and delivers firing and resolved alerts in Alertmanager's webhook format.
 * It understands the expression shapes our rules use — `[max|min by (labels)] (metric{l="v"}) <op> number`;
 * a rule of any other shape is reported as skipped, never guessed.
 */
export interface AlertRule {
  alert: string;
  aggregate: 'max' | 'min' | undefined;
  by: string[];
  metric: string;
  matchers: Record<string, string>;
  op: '==' | '!=' | '>' | '>=' | '<' | '<=';
  threshold: number;
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

const exprPattern =
  /^\s*(?:(max|min)\s+by\s*\(([^)]*)\)\s*\()?\s*([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?\s*\)?\s*(==|!=|>=|<=|>|<)\s*(-?[\d.]+(?:e-?\d+)?)\s*$/;

export function loadRules(files: string[]): { rules: AlertRule[]; skipped: string[] } {
  const rules: AlertRule[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const doc = parseYaml(fs.readFileSync(file, 'utf8')) as { groups?: Array<{ rules?: Array<Record<string, any>> }> };
    for (const rule of (doc.groups ?? []).flatMap((g) => g.rules ?? [])) {
      if (!rule.alert) continue;
      const match = exprPattern.exec(String(rule.expr).replace(/\s+/g, ' '));
      if (!match) {
        skipped.push(rule.alert);
        continue;
      }
      const [, aggregate, by, metric, selector, op, threshold] = match;
      rules.push({
        alert: rule.alert,
        aggregate: aggregate as AlertRule['aggregate'],
        by: (by ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        metric: metric!,
        matchers: parseLabels(selector ?? ''),
        op: op as AlertRule['op'],
        threshold: Number(threshold),
        forMs: parseDurationMs(rule.for ?? '0s'),
        labels: rule.labels ?? {},
        annotations: rule.annotations ?? {},
      });
    }
  }
  return { rules, skipped };
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

const compare = (a: number, op: AlertRule['op'], b: number): boolean =>
  op === '==' ? a === b : op === '!=' ? a !== b : op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;

/** The rule's result vector: one value per output label set. */
export function evaluateRule(rule: AlertRule, samples: Sample[]): Array<{ labels: Record<string, string>; value: number }> {
  const selected = samples.filter(
    (s) => s.name === rule.metric && Object.entries(rule.matchers).every(([k, v]) => s.labels[k] === v) && Number.isFinite(s.value),
  );
  if (!rule.aggregate) return selected.filter((s) => compare(s.value, rule.op, rule.threshold)).map((s) => ({ labels: s.labels, value: s.value }));
  const groups = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const s of selected) {
    const labels = Object.fromEntries(rule.by.map((k) => [k, s.labels[k] ?? '']));
    const key = JSON.stringify(labels);
    const current = groups.get(key);
    const better = rule.aggregate === 'max' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
    if (!current || better(s.value, current.value)) groups.set(key, { labels, value: s.value });
  }
  return [...groups.values()].filter((g) => compare(g.value, rule.op, rule.threshold));
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
      for (const result of evaluateRule(rule, samples)) {
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
    fingerprint: Buffer.from(key).toString('base64url').slice(0, 16),
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
