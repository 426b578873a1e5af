import { z } from 'zod';
import { parseDuration } from './duration.ts';

/**
 * The latest time accepted anywhere: 9999-12-31T23:59:59.999Z. Past 8.64e15 ms a Date is
 * invalid (`Invalid time value` and a 5xx in issue 16); this bound also keeps every formatted
 * time a four-digit year.
 */
export const MAX_TIME_MS = 253_402_300_799_999;

/** RFC 3339 string or epoch milliseconds, as docs/api.md accepts for times; output: epoch ms. */
export const timeInput = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' || /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS) return ms;
    ctx.addIssue({ code: 'custom', message: `expected an RFC 3339 time or epoch milliseconds from 0 to ${MAX_TIME_MS} (year 9999), got "${value}"` });
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
