import type { z } from 'zod';

/** True when A and B are the same type; an extra optional field on either side already differs. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * A reply schema checked at compile time to describe exactly what the domain returns:
 * `describing<DomainType>()(schema)` fails the type check when `z.output` of the schema and the
 * domain type differ, so the OpenAPI document (and the plugins' types generated from it) cannot
 * drift from the domain. Replies are not validated at run time (http/app.ts).
 */
export const describing =
  <T>() =>
  <S extends z.ZodType>(schema: S & (Same<z.output<S>, T> extends true ? unknown : { schemaDiffersFromTheDomainType: never })): S =>
    schema;
