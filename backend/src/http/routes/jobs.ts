import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { jobLogSchema, jobSchema, jobStates } from '../../jobs/job-types.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';

const jobParams = z.object({ id: z.string().min(1).max(100) });

/** Jobs (docs/api.md): list, one job, its logs (JSON or live server-sent events), cancel. */
export function jobRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/jobs',
      summary: 'Jobs, newest first',
      tags: ['jobs'],
      permission: 'read',
      query: z.object({
        model: z.string().min(1).max(64).optional(),
        state: z.enum(jobStates).optional(),
        status: z.enum(jobStates).optional().meta({ description: 'Same as state' }),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'Jobs', schema: z.object({ jobs: z.array(jobSchema) }) } },
      handler: async ({ query }) => ok({ jobs: await ctx.jobs.list({ model: query.model, state: query.state ?? query.status, limit: query.limit }) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/jobs/{id}',
      summary: 'One job: status, progress, message, metrics, produced version, validation, timestamps, error',
      tags: ['jobs'],
      permission: 'read',
      params: jobParams,
      responses: { 200: { description: 'The job', schema: z.object({ job: jobSchema }) }, 404: { description: 'No such job' } },
      handler: async ({ params }) => ok({ job: await ctx.jobs.get(params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/jobs/{id}/logs',
      summary:
        'Log lines of a job. JSON by default; with `Accept: text/event-stream`, a live stream: `log` events (id = seq, data = the line) until the job ends, then one `end` event with the job. Resume with Last-Event-ID or `after`.',
      tags: ['jobs'],
      permission: 'read',
      params: jobParams,
      query: z.object({
        after: z.coerce.number().int().min(0).default(0).meta({ description: 'Only lines with a higher seq' }),
        limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      }),
      responses: {
        200: {
          description: 'Log lines (JSON), or an event stream',
          schema: z.object({ logs: z.array(jobLogSchema), next: z.number(), done: z.boolean(), status: z.enum(jobStates) }),
        },
        404: { description: 'No such job' },
      },
      handler: async ({ params, query, req, res }) => {
        const jobs = ctx.jobs;
        if (!(req.get('accept') ?? '').includes('text/event-stream')) {
          const { logs, job } = await jobs.readLogs(params.id, query.after, query.limit);
          const done = ['succeeded', 'failed', 'cancelled'].includes(job.status) && logs.length < query.limit;
          return ok({ logs, next: logs.length ? logs[logs.length - 1]!.seq : query.after, done, status: job.status });
        }
        await jobs.get(params.id); // 404 as JSON before the stream starts
        const lastEventId = Number.parseInt(req.get('last-event-id') ?? '', 10);
        const after = Number.isFinite(lastEventId) && lastEventId >= 0 ? lastEventId : query.after;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.flushHeaders();
        const closed = new AbortController();
        res.on('close', () => closed.abort());
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        try {
          for await (const item of jobs.followLogs(params.id, after, closed.signal)) {
            if ('log' in item) res.write(`id: ${item.log.seq}\nevent: log\ndata: ${JSON.stringify(item.log)}\n\n`);
            else res.write(`event: end\ndata: ${JSON.stringify(item.end)}\n\n`);
          }
        } catch (error) {
          res.write(`event: error\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
        } finally {
          clearInterval(keepAlive);
          res.end();
        }
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/jobs/{id}/cancel',
      summary: 'Cancel a job: a queued one at once; a running one is stopped (its trainer process is killed) within a heartbeat',
      tags: ['jobs'],
      permission: 'edit',
      params: jobParams,
      body: z.object({ reason: z.string().trim().max(2000).optional() }).optional(),
      responses: {
        200: { description: 'The job (status cancelled, or cancelRequested while it stops)', schema: z.object({ job: jobSchema }) },
        404: { description: 'No such job' },
        409: { description: 'The job has already ended' },
      },
      handler: async ({ params, body, actor }) => ok({ job: await ctx.jobs.cancel(params.id, actor!, body?.reason || undefined) }),
    }),
  ];
}
