import { useState } from 'react';
import type { ConsoleDevicePage } from '../../../protocol/schemas/console.js';
import { get, post } from '../api.js';
import { ConfirmDialog } from '../components/confirm.js';
import { plural, shortHash, when } from '../components/format.js';
import { useLoad } from '../live.js';
import { hrefOf } from '../route.js';

type Action = 'revoke' | 'suspend';

export function DevicePage({ id }: { id: string }) {
  const { data, error, reload } = useLoad(() => get<ConsoleDevicePage>(`/api/devices/${encodeURIComponent(id)}`), [id]);
  const [action, setAction] = useState<Action | null>(null);
  if (error && !data) return <p role="alert" className="error">{error}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  const { device, connections } = data;
  const live = `${plural(connections.channels, 'event channel')} and ${plural(connections.streams, 'open model stream')}`;
  const fields = Object.entries(device).filter(([key]) => !['id', 'tester', 'status', 'evidence'].includes(key));
  const evidence = Object.entries(data.evidence ?? {});
  return (
    <section>
      <p className="crumbs">
        <a href={hrefOf({ page: 'devices' })}>Devices</a> / <span className="mono">{device.id}</span>
      </p>
      <h1>
        Device <span className="mono">{device.id}</span>{' '}
        <span className={`status ${device.status}`} data-testid="device-status">
          {device.status}
        </span>
      </h1>
      <p className="lead">
        Tester <strong>{device.tester}</strong>. Connected now: <span data-testid="device-connections">{live}</span>.
      </p>
      <div className="buttons left">
        {device.status === 'active' && (
          <button type="button" className="danger" onClick={() => setAction('revoke')}>
            Revoke device…
          </button>
        )}
        <button type="button" onClick={() => setAction('suspend')}>
          Suspend tester…
        </button>
      </div>
      <div className="two">
        <div className="panel">
          <h2>What the gateway knows</h2>
          <dl>
            {fields.map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd className="mono">{typeof value === 'string' && /At$/.test(key) ? when(value) : JSON.stringify(value)}</dd>
              </div>
            ))}
            {evidence.map(([key, value]) => (
              <div key={`evidence-${key}`}>
                <dt>evidence.{key}</dt>
                <dd className="mono">{JSON.stringify(value)}</dd>
              </div>
            ))}
          </dl>
        </div>
        <div className="panel">
          <h2>Trust level</h2>
          <p>{data.trust}</p>
        </div>
      </div>
      <div className="panel">
        <h2>History</h2>
        <table className="list">
          <thead>
            <tr>
              <th>#</th>
              <th>Time</th>
              <th>Type</th>
              <th>Actor</th>
              <th>Details</th>
              <th>Hash</th>
            </tr>
          </thead>
          <tbody>
            {data.history.map((e) => (
              <tr key={e.seq}>
                <td className="num">{e.seq}</td>
                <td>{when(e.time)}</td>
                <td className="mono">{e.type}</td>
                <td>{e.actor}</td>
                <td className="mono small">{JSON.stringify(e.details)}</td>
                <td className="mono small">{shortHash(e.hash)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="small">
          <a href={hrefOf({ page: 'audit', text: device.id })}>Everything about this device in the audit log</a>
        </p>
      </div>
      {action === 'revoke' && (
        <ConfirmDialog
          title={`Revoke device ${device.id}?`}
          consequences={[`Cuts ${live} of ${device.tester} now.`, 'The device is refused from now on; the app wipes its key. It can only come back with a new invite.']}
          action="Revoke device"
          textLabel="Reason (kept in the audit log; the app shows it)"
          onConfirm={async (reason) => {
            await post(`/api/devices/${encodeURIComponent(device.id)}/revoke`, reason ? { reason } : {});
            reload();
          }}
          onClose={() => setAction(null)}
        />
      )}
      {action === 'suspend' && (
        <ConfirmDialog
          title={`Suspend tester ${device.tester}?`}
          consequences={[`Revokes every active device of ${device.tester} and cuts all their live connections now.`, 'New invites for this tester are refused while suspended.']}
          action="Suspend tester"
          textLabel="Reason (kept in the audit log; the app shows it)"
          onConfirm={async (reason) => {
            await post(`/api/testers/${encodeURIComponent(device.tester)}/suspend`, reason ? { reason } : {});
            reload();
          }}
          onClose={() => setAction(null)}
        />
      )}
    </section>
  );
}
