/**
 * Load generator for bench/serving/run.ts, run as its own process so it does not share an
 * event loop with the service. Reads one JSON job from argv[2], prints one JSON result.
 *
 * - open loop (`rate` > 0): requests are due at start + i/rate whatever happened to earlier
 *   ones (never waiting for answers, so no coordinated omission); latency counts from each
 *   actual send, and `lagMs` says how late the generator ever was against its schedule.
 * - closed loop (`concurrency` > 0, rate 0): that many requests always in flight; measures
 *   the most the service can do.
 *
 * Answers still missing `drainMs` after the schedule ends are counted with their age so far
 * (`unanswered`), so a saturated service cannot stretch a run without bound.
 */
import http from 'node:http';

interface Job {
  url: string;
  path: string;
  token: string;
  method?: 'GET' | 'POST';
  /** Bodies to cycle through (JSON strings). */
  bodies: string[];
  durationMs: number;
  warmupMs?: number;
  rate?: number;
  concurrency?: number;
  maxSockets?: number;
  /** After the schedule ends, wait at most this long for answers (default 10 s); the rest count as errors (status 0). */
  drainMs?: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const target = new URL(job.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: job.maxSockets ?? 512 });
const bodies = job.bodies.map((b) => Buffer.from(b));

function send(i: number): Promise<{ ok: boolean; status: number }> {
  return new Promise((resolve) => {
    const body = bodies.length ? bodies[i % bodies.length]! : undefined;
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: job.path,
        method: job.method ?? 'POST',
        agent,
        headers: {
          authorization: `Bearer ${job.token}`,
          ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ok: res.statusCode === 200, status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', () => resolve({ ok: false, status: 0 }));
    if (body) req.write(body);
    req.end();
  });
}

const quantile = (sorted: Float64Array, q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN);

async function main(): Promise<void> {
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const statuses: Record<number, number> = {};
  const warmup = job.warmupMs ?? 1000;
  const start = performance.now();
  const measureFrom = start + warmup;
  const end = measureFrom + job.durationMs;
  const record = (due: number, result: { ok: boolean; status: number }, sentAt = due) => {
    const now = performance.now();
    if (due < measureFrom || due >= end) return;
    if (result.ok) latencies.push(now - sentAt);
    else {
      errors++;
      statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    }
  };
  /** Requests sent and not yet answered, with when they were due and sent. */
  const inFlight = new Map<Promise<void>, { due: number; sentAt: number }>();
  let lagMax = 0;
  if (job.rate && job.rate > 0) {
    // Requests go out on schedule whether or not earlier ones were answered (open loop), so
    // a stalled service shows in the tail. Timers, not a busy loop: the generator must not
    // take the CPU the service needs. Latency counts from the actual send; how late sends
    // ran against the schedule is reported as lagMs.
    const interval = 1000 / job.rate;
    let i = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        while (start + i * interval <= now && start + i * interval < end) {
          const due = start + i * interval;
          lagMax = Math.max(lagMax, now - due);
          const sentAt = performance.now();
          const p = send(i).then((r) => record(due, r, sentAt));
          inFlight.set(p, { due, sentAt });
          void p.finally(() => inFlight.delete(p));
          i++;
          sent++;
        }
        if (start + i * interval >= end) return resolve();
        const wait = start + i * interval - performance.now();
        // Timer granularity is ~1 ms: at high rates several requests go out per tick.
        if (wait > 0.05) setTimeout(tick, Math.max(1, Math.floor(wait)));
        else setImmediate(tick);
      };
      tick();
    });
  } else {
    const workers = Array.from({ length: job.concurrency ?? 32 }, async (_, w) => {
      let i = w;
      while (performance.now() < end) {
        const due = performance.now();
        record(due, await send(i));
        i += job.concurrency ?? 32;
        sent++;
      }
    });
    await Promise.all(workers);
  }
  // A saturated service can hold thousands of requests: the run must still end in bounded
  // time. Those still unanswered count with their age so far (a lower bound of their latency).
  let drained = false;
  await Promise.race([Promise.all([...inFlight.keys()]).then(() => (drained = true)), new Promise((r) => setTimeout(r, job.drainMs ?? 10_000).unref())]);
  let unanswered = 0;
  if (!drained) {
    const now = performance.now();
    for (const { due, sentAt } of inFlight.values()) {
      if (due < measureFrom || due >= end) continue;
      latencies.push(now - sentAt);
      unanswered++;
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  const seconds = job.durationMs / 1000;
  process.stdout.write(
    `${JSON.stringify({
      sent,
      measured: sorted.length + errors,
      ok: sorted.length - unanswered,
      errors,
      statuses,
      throughputRps: (sorted.length - unanswered) / seconds,
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      p99: quantile(sorted, 0.99),
      max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
      lagMs: lagMax,
      unanswered,
    })}\n`,
  );
  agent.destroy();
  process.exit(0);
}

await main();
