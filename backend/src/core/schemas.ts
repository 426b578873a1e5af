import { z } from 'zod';
import { parseDuration } from './duration.ts';

/** RFC 3339 string or epoch milliseconds, as docs/api.md accepts for times; output: epoch ms. */
export const timeInput = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === 'number' || /^\d+$/.test(value)) {
      const ms = Number(value);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    } else {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return ms;
    }
    ctx.addIssue({ code: 'custom', message: `expected an RFC 3339 time or epoch milliseconds, got "${value}"` });
    return z.NEVER;
  })
  .meta({ description: 'RFC 3339 time or epoch milliseconds', example: '2026-11-22T10:00:00Z' });

/** A step like `60s`, `5m`, `1h`, or milliseconds; output: ms. */
export const durationInput = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms !== undefined) return ms;
    ctx.addIssue({ code: 'custom', message: `expected a positive duration like 60s, 5m, 1h or milliseconds, got "${value}"` });
    return z.NEVER;
  })
  .meta({ description: 'Duration: 60s, 5m, 1h, 1d, or milliseconds', example: '1m' });

export const modelParams = z.object({ model: z.string().min(1) });

export const reasonSchema = z.string().trim().min(1, 'must say why (it goes to the audit log)').max(2000);
