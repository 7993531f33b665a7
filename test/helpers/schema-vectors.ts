/**
 * Test vectors for a hand-checked fast path and its zod schema (protocol/schemas/fast-path.ts):
 * valid bases, then each field of a base missing, replaced by each value of a pool (wrong types,
 * bounds and one past them, oversized, deep nesting), and extra keys; and the check that the fast
 * path and the schema agree on each: the same verdict, the same output, the same issues.
 */
import { expect } from 'vitest';
import type { z } from 'zod';
import type { FastParser } from '../../protocol/schemas/fast-path.js';

/** A value nested `depth` levels deep (arrays and objects in turn). */
export function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** Values of every JSON type (and a few no JSON holds), bounds of the usual limits, oversized and deep. */
export const VALUE_POOL: readonly unknown[] = [
  undefined, null, true, false,
  0, 1, -1, 0.5, 1.5, 2, 2.0001, -2, 20, 21, 100, 2 ** 53, -(2 ** 53), Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
  '', 'x', 'GET', 'user', 'assistant', 'tool', 'abc', 'abcde', 'ab+c', 'a'.repeat(15), 'a'.repeat(16), 'a'.repeat(43), 'a'.repeat(128), 'a'.repeat(129),
  'a'.repeat(200), 'a'.repeat(201), 'a'.repeat(512), 'a'.repeat(513), 'a'.repeat(2048), 'a'.repeat(2049), 'a'.repeat(8192), 'a'.repeat(8193),
  [], ['x'], [1, 2], {}, { x: 1 }, { include_usage: true }, { include_usage: 'yes' }, Object.create(null) as object,
  deeplyNested(5_000),
];

type Path = ReadonlyArray<string | number>;

function withAt(base: unknown, path: Path, change: (parent: Record<string | number, unknown>, key: string | number) => void): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  change(parent, path[path.length - 1]!);
  return copy;
}

/** `base` with the field at `path` missing, set to each pool value, and each of `extra` values. */
export function fieldVectors(base: unknown, path: Path, extra: readonly unknown[] = []): unknown[] {
  const out: unknown[] = [withAt(base, path, (parent, key) => void delete parent[key])];
  for (const value of [...VALUE_POOL, ...extra]) {
    // structuredClone copies the pool's null-prototype object as a plain one: put values in after.
    const vector = withAt(base, path, () => undefined) as Record<string | number, unknown>;
    let parent = vector;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    parent[path[path.length - 1]!] = value;
    out.push(vector);
  }
  return out;
}

/** `base` with an unknown key at `path` (an object), plain and as JSON.parse makes `__proto__`. */
export function extraKeyVectors(base: unknown, path: Path): unknown[] {
  const target = (v: unknown) => path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v) as Record<string, unknown>;
  const plain = structuredClone(base);
  target(plain).extra = 1;
  const proto = structuredClone(base);
  Object.assign(target(proto), JSON.parse('{"__proto__": {"polluted": true}}') as object);
  const deep = structuredClone(base);
  target(deep).deep = deeplyNested(5_000);
  return [plain, proto, deep];
}

/**
 * For each base: the bases themselves, each field at `fields` missing and set to each pool value
 * and each of `values`, and extra keys in each object at `objects` (the top level by default).
 */
export function vectorsFor(bases: readonly unknown[], fields: readonly Path[], values: readonly unknown[], objects: readonly Path[] = [[]]): unknown[] {
  const out: unknown[] = [...bases];
  for (const base of bases) {
    for (const path of fields) out.push(...fieldVectors(base, path, values));
    for (const path of objects) out.push(...extraKeyVectors(base, path));
  }
  return out;
}

/**
 * The fast path must decide as the schema does on every vector; returns how many the fast path
 * accepted on its own (its output is the input itself; zod's is a copy), so a test can check the
 * fast path is used at all.
 */
export function expectAgreement<T>(fast: FastParser<T>, schema: z.ZodType<T>, vectors: readonly unknown[]): number {
  let fastAccepted = 0;
  for (const [i, vector] of vectors.entries()) {
    const quick = fast.safeParse(vector);
    const slow = schema.safeParse(vector);
    const where = `vector ${i}: ${describe(vector)}`;
    expect(quick.success, where).toBe(slow.success);
    if (quick.success && slow.success) {
      expect(quick.data, where).toEqual(slow.data);
      expect(JSON.stringify(sortedKeys(quick.data)), where).toBe(JSON.stringify(sortedKeys(slow.data)));
      if (quick.data === vector) fastAccepted++;
    } else if (!quick.success && !slow.success) {
      expect(quick.error.issues, where).toEqual(slow.error.issues);
    }
  }
  return fastAccepted;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v === undefined ? '<undefined>' : v));
    return text === undefined ? String(value) : text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return '(too deep to print)';
  }
}
