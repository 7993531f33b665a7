import { z } from 'zod';

/**
 * Free-form JSON a client may send (a tool's parameter schema, a response format's schema) is
 * walked once, iteratively, before anything recurses over it: a deeply nested value would
 * otherwise overflow the stack of whatever touches it next (zod, JSON.stringify, the upstream).
 */
export interface JsonBounds {
  /** Deepest nesting of objects and arrays (the value itself is depth 1). */
  maxDepth: number;
  /** Objects, arrays, keys and scalars counted together. */
  maxNodes: number;
  /** Longest string, key or value, in characters. */
  maxString: number;
}

export const FREE_FORM_JSON_BOUNDS: JsonBounds = { maxDepth: 32, maxNodes: 10_000, maxString: 100_000 };

/** Why `value` is outside `bounds` (or not plain JSON), or null when it is within them. */
export function jsonBoundsIssue(value: unknown, bounds: JsonBounds): string | null {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (++nodes > bounds.maxNodes) return `has more than ${bounds.maxNodes} values`;
    if (typeof current === 'string') {
      if (current.length > bounds.maxString) return `has a string longer than ${bounds.maxString} characters`;
      continue;
    }
    if (current === null || typeof current === 'number' || typeof current === 'boolean') continue;
    if (typeof current !== 'object') return 'is not JSON';
    if (depth > bounds.maxDepth) return `is nested more than ${bounds.maxDepth} levels deep`;
    if (Array.isArray(current)) {
      for (const item of current) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (key.length > bounds.maxString) return `has a key longer than ${bounds.maxString} characters`;
      nodes++;
      stack.push({ value: item, depth: depth + 1 });
    }
  }
  return null;
}

/** A zod schema for a JSON object of unknown shape within `bounds` (refused, never walked recursively, beyond them). */
export function boundedJsonObject(bounds: JsonBounds = FREE_FORM_JSON_BOUNDS) {
  return z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'must be a JSON object' }).superRefine((value, ctx) => {
    const issue = jsonBoundsIssue(value, bounds);
    if (issue) ctx.addIssue({ code: 'custom', message: `must be a bounded JSON object: it ${issue}` });
  });
}
