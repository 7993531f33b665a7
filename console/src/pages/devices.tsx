import { useDeferredValue, useMemo, useState } from 'react';
import type { ConsoleDeviceRow } from '../../../protocol/schemas/console.js';
import { when } from '../components/format.js';
import { usePaged } from '../components/pager.js';
import { useRead, type FeedEvent } from '../live.js';
import { hrefOf } from '../route.js';

/** Connections and revocations are patched into the rows the table has; other changes reload it. */
function patchRows(event: FeedEvent): 'reload' | ((rows: ConsoleDeviceRow[]) => ConsoleDeviceRow[]) {
  if (event.type === 'change') return 'reload';
  if (event.type === 'device') {
    const d = event.data;
    return (rows) => rows.map((row) => (row.id === d.id ? { ...row, status: d.status, channels: d.channels, streams: d.streams } : row));
  }
  const changed = new Map(event.data.devices.map((d) => [d.id, d] as const));
  return (rows) =>
    rows.map((row) => {
      const c = changed.get(row.id);
      return c ? { ...row, channels: c.channels, streams: c.streams } : row;
    });
}

export function DevicesPage() {
  const { data, error } = useRead<ConsoleDeviceRow[]>('/api/devices', patchRows);
  const [query, setQuery] = useState('');
  const [onlyConnected, setOnlyConnected] = useState(false);
  const q = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(
    () => (data ?? []).filter((d) => (!onlyConnected || d.channels + d.streams > 0) && (!q || d.id.toLowerCase().includes(q) || d.tester.toLowerCase().includes(q) || d.platform.includes(q) || d.status.includes(q) || (d.locked && 'locked'.includes(q)))),
    [data, q, onlyConnected],
  );
  const { shown, pager } = usePaged(rows, `${q}\n${onlyConnected}`, 'Devices');
  return (
    <section>
      <h1>Devices</h1>
      <div className="toolbar">
        <input type="search" placeholder="Search by device id, tester, platform or status (locked)" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search devices" />
        <label className="check">
          <input type="checkbox" checked={onlyConnected} onChange={(e) => setOnlyConnected(e.target.checked)} /> Connected now
        </label>
        <span className="muted small" data-testid="device-count">
          {data ? `${rows.length.toLocaleString('en-US')} of ${data.length.toLocaleString('en-US')}` : ''}
        </span>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      <table className="list" data-testid="devices-table">
        <thead>
          <tr>
            <th>Device</th>
            <th>Tester</th>
            <th>Status</th>
            <th>Platform</th>
            <th>Connected</th>
            <th>Enrolled</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((d) => (
            <tr key={d.id}>
              <td className="mono">
                <a href={hrefOf({ page: 'device', id: d.id })}>{d.id}</a>
              </td>
              <td>{d.tester}</td>
              <td>
                <span className={`status ${d.status}`}>{d.status}</span> {d.locked && <span className="status locked">locked</span>}
              </td>
              <td>{d.platform}</td>
              <td>{d.channels + d.streams > 0 ? `${d.channels} channel${d.channels === 1 ? '' : 's'}, ${d.streams} stream${d.streams === 1 ? '' : 's'}` : <span className="muted">no</span>}</td>
              <td className="when">{when(d.enrolledAt)}</td>
              <td className="when">{when(d.lastSeenAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pager}
    </section>
  );
}
