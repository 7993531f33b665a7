/**
 * The overview's 24 h figures, computed from audit entries (pure: entries in, numbers out). A model
 * call leaves one `model.call` entry (details: tester, deviceId, promptTokens, completionTokens,
 * outcome, code); a refused request leaves a `refusal` entry (details.code). Usage per tester,
 * model, day or device is the admin operations' `usage` (gateway/admin/usage.ts).
 */
import { z } from 'zod';
import type { AuditEntry } from '../store/store.js';

const callDetails = z.object({
  tester: z.string().optional(),
  deviceId: z.string().optional(),
  promptTokens: z.number().optional(),
  completionTokens: z.number().optional(),
  outcome: z.string().optional(),
  code: z.string().optional(),
});
const refusalDetails = z.object({ code: z.string() });

function detailsOf<T extends z.ZodType>(entry: AuditEntry, schema: T): z.output<T> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(entry.details));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface HourBucket {
  /** ISO start of the hour. */
  start: string;
  requests: number;
  tokens: number;
}

export const HOUR = 3600_000;

/** What one audit entry adds to the figures: a model call (its tokens), a refusal (its code), both, or nothing. */
export function entryFigures(entry: AuditEntry): { call: boolean; tokens: number; refusal: string | undefined } | null {
  if (entry.type === 'refusal') {
    const code = detailsOf(entry, refusalDetails)?.code;
    return code ? { call: false, tokens: 0, refusal: code } : null;
  }
  if (entry.type !== 'model.call') return null;
  const d = detailsOf(entry, callDetails);
  const tokens = (d?.promptTokens ?? 0) + (d?.completionTokens ?? 0);
  // A call refused before the upstream was asked: outcome `error` with no tokens.
  return { call: true, tokens, refusal: d?.outcome === 'error' && !d.promptTokens && !d.completionTokens ? d.code : undefined };
}

/** Model calls and their tokens per hour, the 24 hours up to `nowMs` (oldest first). */
export function callsPerHour(entries: readonly AuditEntry[], nowMs: number, hours = 24): HourBucket[] {
  const firstStart = Math.floor(nowMs / HOUR) * HOUR - (hours - 1) * HOUR;
  const buckets = Array.from({ length: hours }, (_, i) => ({ start: new Date(firstStart + i * HOUR).toISOString(), requests: 0, tokens: 0 }));
  for (const entry of entries) {
    if (entry.type !== 'model.call') continue;
    const bucket = buckets[Math.floor((Date.parse(entry.time) - firstStart) / HOUR)];
    if (!bucket) continue;
    bucket.requests++;
    bucket.tokens += entryFigures(entry)?.tokens ?? 0;
  }
  return buckets;
}

/** Refused requests by error code, most frequent first: `refusal` entries and model calls refused by a limit. */
export function refusalsByCode(entries: readonly AuditEntry[]): { code: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    const code = entryFigures(entry)?.refusal;
    if (code) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return sortedCounts(counts);
}

export const sortedCounts = (counts: ReadonlyMap<string, number>) => [...counts].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));

/** RFC 4180 CSV; a cell that a spreadsheet would run as a formula is prefixed with `'`. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (value: string | number) => {
    let text = String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
