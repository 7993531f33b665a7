/** The store's audit reads over an array, as the SQL does them; counts the rows each read returns. */
import type { AuditEntry, AuditQuery } from '../../../gateway/store/store.js';

export function fakeAuditLog() {
  const log: AuditEntry[] = [];
  const read = { rows: 0 };
  const add = (type: string, atMs: number, details: Record<string, unknown>, deviceId = 'dev_x') =>
    log.push({ seq: log.length + 1, time: new Date(atMs).toISOString(), type, actor: `device:${deviceId}`, subject: 'm', details: JSON.stringify(details), prevHash: '0', hash: '1' });
  const store = {
    auditTail: async (n: number) => log.slice(-n),
    auditQuery: async (q: AuditQuery) => {
      const rows = log
        .filter((e) => e.seq < (q.beforeSeq ?? Infinity) && (!q.typePrefix || e.type.startsWith(q.typePrefix)) && (!q.since || e.time >= q.since))
        .reverse()
        .slice(0, q.limit);
      read.rows += rows.length;
      return rows;
    },
  };
  return { log, read, store, add };
}
