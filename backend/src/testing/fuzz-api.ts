/**
 * A fuzz of every operation in the service's own OpenAPI document (GET /api/v1/openapi.json):
 * each request picks an operation and sends hostile path values, query values and bodies —
 * deep nesting, huge and non-integer numbers, wrong types, long strings, prototype keys,
 * random JSON, bodies shaped like the schema with one field broken. The property: no answer
 * is a 5xx (docs/api.md: bad input is a 4xx naming the field). Deterministic for a seed.
 */
import fc from 'fast-check';
import { requestJson } from './test-server.ts';

export interface FuzzOptions {
  requests: number;
  seed: number;
  /** Path values that exist (so requests get past the lookups to the validation). */
  known: Record<string, string>;
  /** Valid bodies by "METHOD /path/template": hostile fields are merged into them, so they reach the domain. */
  examples?: Record<string, Record<string, unknown>>;
}

export interface FuzzFailure {
  method: string;
  path: string;
  body: string | undefined;
  status: number;
  text: string;
}

export interface FuzzReport {
  operations: number;
  requests: number;
  byStatus: Record<string, number>;
  failures: FuzzFailure[];
}

interface Operation {
  method: string;
  path: string;
  queryNames: string[];
  bodyProperties: string[];
}

/** JSON nested `depth` deep, kept as text: as an object it would overflow this process's own stack. */
class Deep {
  readonly depth: number;
  constructor(depth: number) {
    this.depth = depth;
  }
}

/** JSON text of a drawn value, Deep values spliced in as text. */
function toJson(value: unknown): string {
  if (value instanceof Deep) return `${'[{"a":'.repeat(value.depth / 2)}1${'}]'.repeat(value.depth / 2)}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const hugeNumbers = [1e308, -1e308, 8.64e15 + 1, 9e15, 2 ** 53 + 1, -1, 0, 0.5, 1e-320, 253402300800000];
const hostileScalars: unknown[] = [...hugeNumbers, '', ' ', 'x'.repeat(20_000), '__proto__', 'constructor', '../../etc/passwd', '%00', '\u0000', '😀', true, false, null, [], {}, '1e400', 'NaN', 'Infinity', '-0', '2026-13-45T99:99:99Z'];

/** A hostile JSON value: scalars, deep nesting (JSON text up to 20,000 deep), random JSON, prototype keys. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...hostileScalars),
  fc.integer({ min: 1, max: 10_000 }).map((half) => new Deep(2 * half)),
  fc.constant(new Deep(20_000)),
  fc.constant({ a: new Deep(20_000) }),
  fc.constantFrom(...hugeNumbers).map((n) => ({ from: 0, to: n })),
  fc.jsonValue({ maxDepth: 4 }),
  fc.array(fc.constantFrom(...hostileScalars), { maxLength: 50 }),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}')),
);

function operationsOf(doc: { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        queryNames: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyProperties: Object.keys(schema?.properties ?? {}),
      });
    }
  }
  return out;
}

interface Draw {
  op: number;
  pathValues: unknown[];
  query: [number, unknown][];
  body: { kind: 'value'; value: unknown } | { kind: 'fields'; fields: [number, unknown][] } | { kind: 'text'; text: string };
}

const drawArb = (operations: number): fc.Arbitrary<Draw> =>
  fc.record({
    op: fc.nat({ max: operations - 1 }),
    pathValues: fc.array(fc.oneof(fc.constant('known'), fc.constantFrom(...hostileScalars)), { minLength: 4, maxLength: 4 }),
    query: fc.array(fc.tuple(fc.nat({ max: 20 }), hostileValue), { maxLength: 4 }),
    body: fc.oneof(
      fc.record({ kind: fc.constant('value' as const), value: hostileValue }),
      fc.record({ kind: fc.constant('fields' as const), fields: fc.array(fc.tuple(fc.nat({ max: 30 }), hostileValue), { minLength: 1, maxLength: 6 }) }),
      fc.record({ kind: fc.constant('text' as const), text: fc.oneof(fc.string({ maxLength: 200 }), fc.constant('{"a":'), fc.constant('['.repeat(20_000)), fc.constant('{"records":[' + '{},'.repeat(100) + ']}')) }),
    ),
  });

const asText = (value: unknown): string => (typeof value === 'string' ? value : toJson(value));

/** Runs the fuzz against a running service; `token` reaches the handlers (an admin token). */
export async function fuzzApi(baseUrl: string, token: string, options: FuzzOptions): Promise<FuzzReport> {
  const doc = (await requestJson(baseUrl, 'GET', '/api/v1/openapi.json', { token: null })).body;
  const operations = operationsOf(doc);
  const draws = fc.sample(drawArb(operations.length), { seed: options.seed, numRuns: options.requests });
  const report: FuzzReport = { operations: operations.length, requests: 0, byStatus: {}, failures: [] };
  for (const draw of draws) {
    const op = operations[draw.op]!;
    let i = 0;
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const pick = draw.pathValues[i++ % draw.pathValues.length];
      const value = pick === 'known' ? (options.known[name] ?? 'm') : asText(pick).slice(0, 300);
      return encodeURIComponent(value || 'x');
    });
    const names = [...op.queryNames, 'from', 'to', 'step', 'by', 'version', 'arm', 'limit'];
    const query = new URLSearchParams();
    for (const [n, v] of draw.query) query.append(names[n % names.length]!, asText(v).slice(0, 2000));
    const url = query.size ? `${path}?${query}` : path;
    let rawBody: string | undefined;
    if (op.method !== 'GET') {
      if (draw.body.kind === 'text') rawBody = draw.body.text;
      else if (draw.body.kind === 'value') rawBody = toJson(draw.body.value);
      else {
        const names = [...op.bodyProperties, 'settings', 'metrics', 'details', 'params', 'features', 'records', 'reference', 'current'];
        const merged: Record<string, unknown> = { ...(options.examples?.[`${op.method} ${op.path}`] ?? {}) };
        for (const [n, v] of draw.body.fields) merged[names[n % names.length]!] = v;
        rawBody = toJson(merged);
      }
    }
    const reply = await requestJson(baseUrl, op.method, url, rawBody === undefined ? {} : { rawBody, headers: { 'content-type': 'application/json' } }, token);
    report.requests++;
    report.byStatus[reply.status] = (report.byStatus[reply.status] ?? 0) + 1;
    if (reply.status >= 500) report.failures.push({ method: op.method, path: url.slice(0, 300), body: rawBody?.slice(0, 300), status: reply.status, text: reply.text.slice(0, 300) });
  }
  return report;
}
