import { useDeferredValue, useMemo, useState } from 'react';
import type { ConsoleTesterRow } from '../../../protocol/schemas/console.js';
import { get, post } from '../api.js';
import { ConfirmDialog } from '../components/confirm.js';
import { plural } from '../components/format.js';
import { useLoad } from '../live.js';
import { hrefOf } from '../route.js';

export function TestersPage() {
  const { data, error, reload } = useLoad(() => get<ConsoleTesterRow[]>('/api/testers'), []);
  const [query, setQuery] = useState('');
  const [suspending, setSuspending] = useState<ConsoleTesterRow | null>(null);
  const q = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(() => (data ?? []).filter((t) => !q || t.email.toLowerCase().includes(q) || t.status.includes(q)), [data, q]);
  return (
    <section>
      <h1>Testers</h1>
      <div className="toolbar">
        <input type="search" placeholder="Search by email or status" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search testers" />
        <span className="muted small">{data ? `${rows.length.toLocaleString()} of ${data.length.toLocaleString()}` : ''}</span>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      <table className="list">
        <thead>
          <tr>
            <th>Tester</th>
            <th>Status</th>
            <th>Devices</th>
            <th>Connected now</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.email}>
              <td>
                <a href={hrefOf({ page: 'audit', text: t.email })}>{t.email}</a>
              </td>
              <td>
                <span className={`status ${t.status}`}>{t.status}</span>
              </td>
              <td className="num">{t.devices}</td>
              <td className="num">{t.connectedDevices}</td>
              <td className="actions">
                {t.status === 'active' && (
                  <button type="button" onClick={() => setSuspending(t)}>
                    Suspend…
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {suspending && (
        <ConfirmDialog
          title={`Suspend tester ${suspending.email}?`}
          consequences={[`Revokes ${plural(suspending.devices, 'device')} of ${suspending.email} and cuts the ${plural(suspending.connectedDevices, 'device')} connected now.`, 'New invites for this tester are refused while suspended.']}
          action="Suspend tester"
          textLabel="Reason (kept in the audit log; the app shows it)"
          onConfirm={async (reason) => {
            await post(`/api/testers/${encodeURIComponent(suspending.email)}/suspend`, reason ? { reason } : {});
            reload();
          }}
          onClose={() => setSuspending(null)}
        />
      )}
    </section>
  );
}
