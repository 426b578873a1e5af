/** Zod validation failures as DomainErrors whose message names each field (`body.features[1].name: ...`). */
import type { ZodError } from 'zod';
import { DomainError } from './errors.ts';

/** `body.features[1].name: duplicate feature name "x"; query.from: expected ...` */
export function describeZodError(error: ZodError, prefix: string): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => {
      const where = [prefix, ...issue.path.map(String)]
        .filter(Boolean)
        .join('.')
        .replace(/\.(\d+)(?=\.|$)/g, '[$1]');
      return `${where || prefix}: ${issue.message}`;
    })
    .join('; ');
}

export function validationError(error: ZodError, prefix: string): DomainError {
  return new DomainError(
    'invalid_argument',
    describeZodError(error, prefix),
    error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message })),
  );
}
