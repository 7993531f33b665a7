/**
 * The chain verifier on its own: what each kind of damage looks like, and the anchor, which is the
 * only way to see entries cut off the end (the chain that is left is intact).
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, createChainVerifier, entryHash, GENESIS_HASH, verdictAtEnd, type AuditAnchor, type AuditRow } from '../../../gateway/audit/chain.js';

function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields = [`2030-01-01T00:00:0${seq % 10}.000Z`, 'device.enroll', 'admin', `dev_${seq}`, `{"n":${seq}}`] as const;
    const hash = entryHash(seq, ...fields, prev);
    rows.push([seq, ...fields, prev, hash]);
    prev = hash;
  }
  return rows;
}

function verify(rows: AuditRow[], anchor?: AuditAnchor) {
  const verifier = createChainVerifier(anchor);
  for (const row of rows) {
    const reason = verifier.push(row);
    if (reason !== null) return { ok: false, firstBad: row[0], reason, head: verifier.head };
  }
  return verdictAtEnd(verifier);
}

describe('audit chain verifier', () => {
  const rows = chain(6);

  it('accepts an intact chain and reports its head', () => {
    expect(verify(rows)).toMatchObject({ ok: true, entries: 6, head: { seq: 6, hash: rows[5]![7] } });
    expect(verify([])).toMatchObject({ ok: true, entries: 0, head: null });
  });

  it('names a modified, a deleted and a swapped entry', () => {
    const modified = rows.map((r): AuditRow => (r[0] === 3 ? [...r.slice(0, 5), '{"n":0}', r[6], r[7]] as AuditRow : r));
    expect(verify(modified)).toMatchObject({ ok: false, firstBad: 3, reason: expect.stringMatching(/modified/) });
    expect(verify(rows.filter((r) => r[0] !== 4))).toMatchObject({ ok: false, firstBad: 5 });
    const swapped = [...rows];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(verify(swapped)).toMatchObject({ ok: false, firstBad: 3 });
  });

  it('cannot see a cut tail on its own, but does against an anchor recorded before the cut', () => {
    const anchor = { seq: 6, hash: rows[5]![7] };
    const cut = rows.slice(0, 4);
    expect(verify(cut)).toMatchObject({ ok: true, entries: 4 });
    expect(verify(cut, anchor)).toMatchObject({ ok: false, firstBad: 5, reason: expect.stringMatching(/ends at entry 4, but entry 6 was recorded/) });
    expect(verify(rows, anchor)).toMatchObject({ ok: true, entries: 6 });
    // Later entries after the anchor are fine: the log only grows.
    expect(verify(chain(9), anchor)).toMatchObject({ ok: true, entries: 9 });
  });

  it('refuses a log rewritten from the anchor on, even when the rewritten chain is consistent', () => {
    const anchor = { seq: 5, hash: rows[4]![7] };
    const rewritten = chain(4);
    let prev = rewritten[3]![7];
    for (const seq of [5, 6]) {
      const fields = ['2030-01-01T00:00:09.000Z', 'device.enroll', 'admin', 'dev_forged', '{}'] as const;
      const hash = entryHash(seq, ...fields, prev);
      rewritten.push([seq, ...fields, prev, hash]);
      prev = hash;
    }
    expect(verify(rewritten)).toMatchObject({ ok: true });
    expect(verify(rewritten, anchor)).toMatchObject({ ok: false, firstBad: 5, reason: expect.stringMatching(/rewritten/) });
  });
});

/** The canonical encoding as first written (every stored hash was computed with it): the reference. */
function canonicalJsonReference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJsonReference).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJsonReference(record[k])}`).join(',')}}`;
}

describe('canonical JSON of audit details', () => {
  it('encodes every vector exactly as the reference does, so existing chains still verify', () => {
    const vectors: unknown[] = [
      null, undefined, 0, -1.5, 1e21, Number.NaN, Infinity, true, false, '', 'plain', 'quote " and \\ and \n and \u2028 and é and 😀',
      [], {}, [undefined, null, () => 1, 'x', [1, [2, [3]]]], { b: 1, a: 2, c: undefined }, { z: { y: { x: [{ b: 1, a: 0 }] } } },
      { 'é': 1, 'e': 2, 'E': 3, '10': 4, '9': 5, '': 6, ' ': 7, '😀': 8, 'a"b': 9 },
      { fn: () => 1, date: new Date(0), nested: { only: undefined } },
      { type: 'model.call', deviceId: 'dev_AAAAAAAAAAAAAAAAAAAA', callId: '7b3f0c1e-2f41-4a57-9d1e-3f1f3b1a9c20', tester: 'alice@example.com', upstream: 'demo', stream: true, promptTokens: 12, completionTokens: 20, usageReported: true, durationMs: 3, outcome: 'ok', content: { messages: [{ role: 'user', content: 'hi' }], completion: null } },
    ];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const build = (depth: number): unknown => {
      const pick = Math.floor(random() * (depth > 3 ? 5 : 7));
      if (pick === 0) return null;
      if (pick === 1) return Math.floor(random() * 1000) - 500;
      if (pick === 2) return String.fromCharCode(...Array.from({ length: Math.floor(random() * 6) }, () => 32 + Math.floor(random() * 400)));
      if (pick === 3) return random() < 0.5;
      if (pick === 4) return undefined;
      if (pick === 5) return Array.from({ length: Math.floor(random() * 4) }, () => build(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [String.fromCharCode(97 + Math.floor(random() * 26), 65 + Math.floor(random() * 60)), build(depth + 1)]));
    };
    for (let i = 0; i < 2000; i++) vectors.push(build(0));
    for (const vector of vectors) expect(canonicalJson(vector)).toBe(canonicalJsonReference(vector));
  });
});
