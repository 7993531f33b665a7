/**
 * `usage`: requests, prompt and completion tokens, refusals and cut calls, summed from the audit
 * log (model.call and refusal entries), grouped by tester, day, model or device. Pure summing
 * apart from one store read, so the CLI, `tester list` and the web console show the same figures.
 */
import type { AuditEntry, DeviceRecord, Store } from '../store/store.js';

export type UsageGrouping = 'tester' | 'day' | 'model' | 'device';

export interface UsageRow {
  key: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  refusals: number;
  cut: number;
}

interface CallDetails {
  deviceId?: unknown;
  tester?: unknown;
  promptTokens?: unknown;
  completionTokens?: unknown;
  outcome?: unknown;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const deviceOfActor = (actor: string) => (actor.startsWith('device:') ? actor.slice(7) : null);

/** Sums entries into rows, largest request count first. `testerOf` maps a device id to its tester. */
export function summarizeUsage(entries: readonly AuditEntry[], by: UsageGrouping, testerOf: (deviceId: string) => string | undefined, only?: string): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  const row = (key: string) => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, requests: 0, promptTokens: 0, completionTokens: 0, refusals: 0, cut: 0 }));
    return r;
  };
  for (const entry of entries) {
    const deviceId = deviceOfActor(entry.actor);
    if (deviceId === null) continue;
    const details = JSON.parse(entry.details) as CallDetails;
    const tester = typeof details.tester === 'string' ? details.tester : testerOf(deviceId);
    if (only !== undefined && tester !== only) continue;
    const model = entry.type === 'model.call' ? entry.subject : '-';
    const key = by === 'tester' ? (tester ?? '-') : by === 'day' ? entry.time.slice(0, 10) : by === 'model' ? model : deviceId;
    const r = row(key);
    if (entry.type === 'refusal') {
      r.refusals++;
      continue;
    }
    r.requests++;
    r.promptTokens += num(details.promptTokens);
    r.completionTokens += num(details.completionTokens);
    if (details.outcome === 'cut') r.cut++;
  }
  return [...rows.values()].sort((a, b) => b.requests - a.requests || a.key.localeCompare(b.key));
}

export async function usageFromStore(store: Store, input: { since: string; by: UsageGrouping; tester?: string | undefined }): Promise<UsageRow[]> {
  const [entries, devices] = await Promise.all([store.auditSince(input.since, ['model.call', 'refusal']), store.listDevices()]);
  const testers = new Map(devices.map((d: DeviceRecord) => [d.id, d.tester] as const));
  return summarizeUsage(entries, input.by, (id) => testers.get(id), input.tester);
}
