import type { z } from 'zod';

/**
 * A zod schema with a hand-checked fast path in front of it, for bodies parsed on every call
 * (issue 19: zod's generic walk costs tens of µs where a few typed checks cost one or two). The
 * schema stays the single source of what is valid: the fast path only ever says "certainly valid,
 * as is" for the common shapes, and hands everything else to the schema, which accepts it or
 * words the refusal. It must accept nothing the schema refuses, and the value it accepts must be
 * what the schema would output (no defaults or transforms in such schemas); a test per fast path
 * runs both over the same test vectors and checks they agree.
 */
export interface FastParser<T> {
  safeParse(value: unknown): z.ZodSafeParseResult<T>;
}

export function withFastPath<T>(schema: z.ZodType<T>, accepts: (value: unknown) => value is T): FastParser<T> {
  return {
    safeParse: (value) => (accepts(value) ? { success: true, data: value } : schema.safeParse(value)),
  };
}

/** An object as JSON.parse makes it (not an array, not a class instance): the shape the fast paths walk. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A string of `min` to `max` UTF-16 code units, as zod's `.min()` / `.max()` count. */
export function isStringWithin(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

/** A number in [min, max] (finite bounds: NaN fails every comparison and the infinities the bounds, as zod 4 refuses them). */
export function isNumberWithin(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && value >= min && value <= max;
}

/** zod 4's `.int()`: a safe integer. */
export function isSafeIntegerFrom(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** A check of one field's value. */
export type FieldCheck = (field: unknown) => boolean;

/**
 * A JSON object (isJsonObject) whose every key is one of `fields` and passes that field's check,
 * and which has every key of `required`: zod's strictObject, for the shapes a fast path accepts.
 */
export function hasOnlyFields(value: unknown, fields: Readonly<Record<string, FieldCheck>>, required: readonly string[]): value is Record<string, unknown> {
  if (!isJsonObject(value)) return false;
  for (const key of Object.keys(value)) {
    const check = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (check === undefined || !check(value[key])) return false;
  }
  for (const key of required) if (!Object.hasOwn(value, key)) return false;
  return true;
}
