import { hash as digest } from 'node:crypto';

/**
 * The audit log's hash chain. Each entry's hash is SHA-256 over a canonical encoding of all its
 * fields, its sequence number and the previous entry's hash included, so a modified entry breaks
 * its own hash, a deleted one breaks the sequence and the next entry's link, and two swapped
 * entries break both. Cutting entries off the end is not visible in the chain alone: `audit verify`
 * prints the head (last seq and hash) so an operator can keep it off the host, and given such an
 * anchor back, the walk also checks that the entry is still there with the same hash.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so equal details always hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** hash = hex SHA-256 of the JSON array [seq, time, type, actor, subject, details, prevHash]. */
export function entryHash(seq: number, time: string, type: string, actor: string, subject: string, details: string, prevHash: string): string {
  // crypto.hash: one-shot, about twice as fast as a Hash object per entry (verify walks every entry).
  return digest('sha256', JSON.stringify([seq, time, type, actor, subject, details, prevHash]), 'hex');
}

/**
 * The entry that follows `head` in the chain: its seq, the canonical JSON of its details and its
 * hash. Pure: each store reads the head inside its own write lock and writes the row itself.
 */
export function chainedEntry(
  head: { seq: number; hash: string },
  time: string,
  input: { type: string; actor: string; subject: string; details?: Record<string, unknown> },
): { seq: number; time: string; type: string; actor: string; subject: string; details: string; prevHash: string; hash: string } {
  const seq = head.seq + 1;
  const details = canonicalJson(input.details ?? {});
  const hash = entryHash(seq, time, input.type, input.actor, input.subject, details, head.hash);
  return { seq, time, type: input.type, actor: input.actor, subject: input.subject, details, prevHash: head.hash, hash };
}

/** A stored row in column order: seq, time, type, actor, subject, details, prevHash, hash. */
export type AuditRow = [number, string, string, string, string, string, string, string];

/** The verdict once every row verified: ok, unless the log ends before the anchor. */
export function verdictAtEnd(verifier: ChainVerifier): { ok: boolean; entries: number; firstBad: number | null; reason: string | null; head: AuditAnchor | null } {
  const short = verifier.finish();
  if (short !== null) return { ok: false, entries: verifier.entries, firstBad: (verifier.head?.seq ?? 0) + 1, reason: short, head: verifier.head };
  return { ok: true, entries: verifier.entries, firstBad: null, reason: null, head: verifier.head };
}

/** An entry recorded earlier (off the host): the log must still hold it, with this hash. */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

export interface ChainVerifier {
  /** Checks the next row; returns why it is bad, or null. */
  push(row: AuditRow): string | null;
  /** After the last row: the reason the log ends too early for the anchor, or null. */
  finish(): string | null;
  readonly entries: number;
  /** The last entry that verified, or null for an empty log. */
  readonly head: AuditAnchor | null;
}

/** Streams over rows in seq order, keeping only the previous seq and hash. */
export function createChainVerifier(anchor?: AuditAnchor): ChainVerifier {
  let lastSeq = 0;
  let lastHash = GENESIS_HASH;
  let entries = 0;
  return {
    push(row) {
      const [seq, time, type, actor, subject, details, prevHash, hash] = row;
      entries++;
      if (seq !== lastSeq + 1) return `expected entry ${lastSeq + 1}, found ${seq}: an entry was deleted or reordered`;
      if (prevHash !== lastHash) return 'its prevHash does not match the previous entry: an entry was removed, swapped or altered';
      if (entryHash(seq, time, type, actor, subject, details, prevHash) !== hash) return 'its hash does not match its content: the entry was modified';
      // The chain up to here is intact, so a different hash at the anchor means history was rewritten from there on.
      if (anchor && seq === anchor.seq && hash !== anchor.hash) return `its hash differs from the anchor recorded for entry ${anchor.seq}: the log was rewritten`;
      lastSeq = seq;
      lastHash = hash;
      return null;
    },
    finish() {
      if (anchor && lastSeq < anchor.seq) return `the log ends at entry ${lastSeq}, but entry ${anchor.seq} was recorded (anchor): entries were cut off the end`;
      return null;
    },
    get entries() {
      return entries;
    },
    get head() {
      return lastSeq === 0 ? null : { seq: lastSeq, hash: lastHash };
    },
  };
}
