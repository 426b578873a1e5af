/**
 * Errors the domain raises on purpose. The HTTP layer maps each code to a status; anything
 * else that escapes is a bug and becomes a 500.
 */
export const errorStatus = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  failed_precondition: 422,
  rate_limited: 429,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export const invalid = (message: string, details?: unknown): DomainError =>
  new DomainError('invalid_argument', message, details);

export const notFound = (message: string): DomainError => new DomainError('not_found', message);

export const conflict = (message: string): DomainError => new DomainError('conflict', message);
