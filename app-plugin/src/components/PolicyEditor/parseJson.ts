export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses a JSON object, with an error a person can fix (position included by the engine). */
export function parseJsonObject<T = Record<string, unknown>>(text: string): Parsed<T> {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, error: 'Expected a JSON object ({ ... }).' };
    }
    return { ok: true, value: value as T };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
