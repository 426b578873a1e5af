import express, { type Request, type RequestHandler, type Response } from 'express';
import { DomainError, invalid } from '../core/errors.ts';

/** The body limit of a route that does not ask for more (route.ts `largeBody`). */
export const SMALL_BODY_BYTES = 1024 * 1024;
/** How deep JSON may nest: far more than any document of docs/api.md needs, far less than a stack overflow. */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Refuses JSON (or NDJSON) nested deeper than `maxDepth` before it is parsed: deep values
 * parse, but stringifying them later overflows the stack (issue 16: 5xx from JSON nested
 * 20,000 deep in settings, metrics, details, params, features). One pass over the bytes;
 * brackets inside strings do not count. UTF-8 continuation bytes never equal these ASCII codes.
 */
export function assertJsonDepth(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > maxDepth) throw invalid(`body: JSON nested deeper than ${maxDepth} levels`);
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
}

const keepRawBody = (req: Request, buf: Buffer): void => {
  // Alert webhooks verify an HMAC over the exact bytes sent; keep them for those routes only.
  // Routing ignores case, so this must too (alerts/webhook-auth.ts fails closed without it).
  if (req.url?.toLowerCase().startsWith('/api/v1/webhooks/')) (req as Request & { rawBody?: Buffer }).rawBody = buf;
};

/**
 * Refuses a parsed JSON value nested deeper than `maxDepth`. Recursion stops at `maxDepth`, so
 * the check itself never goes deeper than that; walking the parsed value visits values, not
 * characters, which is cheaper than scanning every byte of a large ingest batch.
 */
export function assertValueDepth(value: unknown, maxDepth = MAX_JSON_DEPTH): void {
  if (value !== null && typeof value === 'object' && !withinDepth(value, maxDepth)) throw invalid(`body: JSON nested deeper than ${maxDepth} levels`);
}

/**
 * Whether `node` and what it holds open at most `levelsLeft` levels. Leaves are tested in
 * the loops, not in a call each: most values of an ingest batch are numbers and strings
 * (a third less time per record).
 */
function withinDepth(node: object, levelsLeft: number): boolean {
  if (levelsLeft === 0) return false;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v: unknown = node[i];
      if (v !== null && typeof v === 'object' && !withinDepth(v, levelsLeft - 1)) return false;
    }
    return true;
  }
  const record = node as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (v !== null && typeof v === 'object' && !withinDepth(v, levelsLeft - 1)) return false;
  }
  return true;
}

/** The JSON and text parsers of one route, with its size limit and the depth check. */
export function bodyParsers(limitBytes: number): RequestHandler[] {
  const checkDepthAfterParse: RequestHandler = (req, _res, next) => {
    try {
      if (req.body !== undefined && typeof req.body === 'object') assertValueDepth(req.body);
      next();
    } catch (error) {
      next(error);
    }
  };
  return [
    express.json({ limit: limitBytes, type: ['application/json', 'application/*+json'], verify: (req: Request, _res: Response, buf: Buffer) => keepRawBody(req, buf) }),
    checkDepthAfterParse,
    // NDJSON lines are parsed later, one by one: their bytes are checked here.
    express.text({
      limit: limitBytes,
      type: ['application/x-ndjson', 'text/plain'],
      verify: (req: Request, _res: Response, buf: Buffer) => {
        assertJsonDepth(buf);
        keepRawBody(req, buf);
      },
    }),
  ];
}

/** Runs Express middleware inside a handler (after authentication), as a promise. */
export function runMiddleware(middleware: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  });
}

/** Reads and parses the body after authentication; a body over the route's limit is a 413 naming it. */
export async function readBody(parsers: RequestHandler[], limitBytes: number, req: Request, res: Response): Promise<void> {
  if (parsers.length === 0) {
    // A route without a body still gets one sometimes: discard it, or the kept-alive connection
    // would carry it into the next request (the client sees ECONNRESET).
    if (!req.readableEnded) req.resume();
    return;
  }
  // Announced too large: answer now; the parser would first read (and discard) every byte.
  if (Number(req.headers['content-length'] ?? 0) > limitBytes) throw tooLarge(limitBytes);
  try {
    for (const parser of parsers) await runMiddleware(parser, req, res);
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') throw tooLarge(limitBytes);
    throw error;
  }
}

const tooLarge = (limitBytes: number): DomainError =>
  new DomainError('payload_too_large', `body: larger than this route's limit of ${limitBytes} bytes (MODELWATCH_MAX_BODY_MB sets it for the ingest and upload routes); send less per request`);
