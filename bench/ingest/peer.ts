/**
 * The ingest peer for bench/ingest/run.ts (`--writers peer`): the fastest plain path for the
 * same records, with none of ModelWatch's monitoring. A node:http server that checks the
 * bearer token, reads the body, JSON.parses it, checks each record's fields (id, ts, version,
 * features of numbers), and inserts one row per record (the feature values as one float64
 * blob, in the order of the first record's keys: the cheapest encoding, cheaper than JSON
 * text) with one node:sqlite prepared statement in one transaction per batch (WAL,
 * synchronous=NORMAL, as the service's store). No rollups, drift bins, unit buckets or outcome join: what is left is
 * what any ingest endpoint on this stack pays. Same protocol as bench/ingest/server.ts: prints
 * {"url", "pid"} once listening and {"cpuSeconds"} once closed on SIGTERM.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const token = `Bearer ${process.env.MODELWATCH_ADMIN_TOKEN}`;
const db = new DatabaseSync(join(process.env.MODELWATCH_DATA_DIR!, 'peer.db'));
db.exec('pragma journal_mode = wal; pragma synchronous = normal;');
db.exec('create table predictions (id text primary key, model text not null, ts integer not null, version text not null, arm text, unit_id text, score real, latency_ms real, features blob not null)');
const insert = db.prepare('insert into predictions (id, model, ts, version, arm, unit_id, score, latency_ms, features) values (?, ?, ?, ?, ?, ?, ?, ?, ?)');

interface PeerRecord {
  id: unknown;
  ts: unknown;
  version: unknown;
  arm?: unknown;
  unitId?: unknown;
  score?: unknown;
  latencyMs?: unknown;
  features: unknown;
}

const bad = (res: http.ServerResponse, status: number, message: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));

function ingest(model: string, body: { records?: PeerRecord[] }): string | null {
  const records = body.records;
  if (!Array.isArray(records)) return 'records: expected an array';
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (typeof r.id !== 'string' || typeof r.ts !== 'number' || typeof r.version !== 'string') return `records[${i}]: id, ts and version expected`;
    if (typeof r.features !== 'object' || r.features === null) return `records[${i}].features: expected an object`;
    for (const v of Object.values(r.features)) if (typeof v !== 'number') return `records[${i}].features: numbers expected`;
  }
  const names = records[0] ? Object.keys(records[0].features as object) : [];
  const values = new Float64Array(names.length);
  const bytes = new Uint8Array(values.buffer);
  db.exec('begin');
  try {
    for (const r of records) {
      const features = r.features as Record<string, number>;
      for (let k = 0; k < names.length; k++) values[k] = features[names[k]!] ?? Number.NaN;
      insert.run(r.id as string, model, r.ts as number, r.version as string, (r.arm as string) ?? null, (r.unitId as string) ?? null, (r.score as number) ?? null, (r.latencyMs as number) ?? null, bytes);
    }
    db.exec('commit');
  } catch (error) {
    db.exec('rollback');
    throw error;
  }
  return null;
}

const server = http.createServer((req, res) => {
  if (req.headers.authorization !== token) return void bad(res, 401, 'unauthorized');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const match = /^\/api\/v1\/models\/([^/]+)\/predictions$/.exec(req.url ?? '');
    if (req.method !== 'POST') return void bad(res, 405, 'POST only');
    // Model and profile set-up calls of the benchmark: nothing to keep for them.
    if (!match) return void res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    let body: { records?: PeerRecord[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { records?: PeerRecord[] };
    } catch {
      return void bad(res, 400, 'body: invalid JSON');
    }
    const error = ingest(decodeURIComponent(match[1]!), body);
    if (error) return void bad(res, 400, error);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: body.records!.length }));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: process.pid })}\n`);
});
const stop = () =>
  server.close(() => {
    db.close();
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuSeconds: (user + system) / 1e6 })}\n`, () => process.exit(0));
  });
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
