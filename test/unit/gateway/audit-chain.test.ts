/**
 * The chain verifier on its own: what each kind of damage looks like, and the anchor, which is the
 * only way to see entries cut off the end (the chain that is left is intact).
 */
import { describe, expect, it } from 'vitest';
import { createChainVerifier, entryHash, GENESIS_HASH, verdictAtEnd, type AuditAnchor, type AuditRow } from '../../../gateway/audit/chain.js';

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
