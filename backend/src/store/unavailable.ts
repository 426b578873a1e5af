/**
 * Whether an error means the database could not be reached (a dropped or refused
 * connection, a server shutting down or starting), not that the request was wrong: the HTTP
 * layer answers 503 for these so clients retry (http/error-body.ts), and nothing was
 * acknowledged.
 */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3])/; // connection exceptions; admin/crash shutdown, cannot connect now
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);
const UNAVAILABLE_MESSAGE = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|not currently accepting connections|the database system is (starting up|shutting down)/i;

export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as Error & { code?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true;
  if (UNAVAILABLE_MESSAGE.test(error.message)) return true;
  // AggregateError (several addresses refused) and wrapped causes.
  const nested = [...((error as Partial<AggregateError>).errors ?? []), (error as { cause?: unknown }).cause];
  return nested.some((e) => e !== undefined && e !== error && isStoreUnavailable(e));
}
