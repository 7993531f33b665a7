import { createHash } from 'node:crypto';

/**
 * The audit log's hash chain. Each entry's hash is SHA-256 over a canonical encoding of all its
 * fields, its sequence number and the previous entry's hash included, so a modified entry breaks
 * its own hash, a deleted one breaks the sequence and the next entry's link, and two swapped
 * entries break both. (Cutting entries off the end is not visible in the chain alone; `audit tail`
 * and off-host copies of the head hash cover that.)
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
  return createHash('sha256').update(JSON.stringify([seq, time, type, actor, subject, details, prevHash])).digest('hex');
}

/** A stored row in column order: seq, time, type, actor, subject, details, prevHash, hash. */
export type AuditRow = [number, string, string, string, string, string, string, string];

export interface ChainVerifier {
  /** Checks the next row; returns why it is bad, or null. */
  push(row: AuditRow): string | null;
  readonly entries: number;
}

/** Streams over rows in seq order, keeping only the previous seq and hash. */
export function createChainVerifier(): ChainVerifier {
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
      lastSeq = seq;
      lastHash = hash;
      return null;
    },
    get entries() {
      return entries;
    },
  };
}
