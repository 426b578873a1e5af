/**
 * The service for bench/ingest/run.ts, in its own process (so it has a core to itself):
 * the real startServer with MODELWATCH_* from the environment. `--writer kysely` swaps the
 * SQLite fast-path writer for the portable Kysely one, to measure what the fast path buys.
 * Prints {"url", "pid"} as one JSON line once listening, and {"cpuSeconds"} (its CPU time,
 * user + system) once closed on SIGTERM, after the final flush.
 */
import { loadConfig } from '../../backend/src/core/config.ts';
import { startServer } from '../../backend/src/compose/server.ts';

const running = await startServer(loadConfig(process.env), undefined, undefined, {
  ingestWriter: process.argv.includes('kysely') ? 'kysely' : 'auto',
});
process.stdout.write(`${JSON.stringify({ url: running.url, pid: process.pid })}\n`);
const stop = async () => {
  await running.close();
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuSeconds: (user + system) / 1e6 })}\n`, () => process.exit(0));
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
