import { DomainError, errorStatus, type ErrorCode } from '../core/errors.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export const errorBody = (code: string, message: string, details?: unknown): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

interface HttpParserError {
  type?: string;
  status?: number;
  message?: string;
}

/** Maps anything thrown in a request to a status and the error body of docs/api.md. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (error instanceof DomainError) {
    return { status: errorStatus[error.code], body: errorBody(error.code, error.message, error.details), unexpected: false };
  }
  const parserError = error as HttpParserError;
  if (parserError?.type === 'entity.parse.failed') {
    return {
      status: 400,
      body: errorBody('invalid_argument', `body: not valid JSON (${parserError.message ?? 'parse error'})`),
      unexpected: false,
    };
  }
  if (parserError?.type === 'entity.too.large') {
    return {
      status: 413,
      body: errorBody('payload_too_large', 'body: too large; send smaller batches (at most 10,000 records each)'),
      unexpected: false,
    };
  }
  if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    const code: ErrorCode = parserError.status === 415 ? 'unsupported_media_type' : 'invalid_argument';
    return { status: parserError.status, body: errorBody(code, parserError.message ?? 'bad request'), unexpected: false };
  }
  if (isStoreUnavailable(error)) {
    // Logged (unexpected) so operators see the outage; the client may retry: nothing was done.
    return { status: 503, body: errorBody('unavailable', 'the database is not reachable; retry shortly'), unexpected: true };
  }
  return { status: 500, body: errorBody('internal', 'internal error; see the service log'), unexpected: true };
}
