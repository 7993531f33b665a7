import { useState } from 'react';
import type { ConsoleDevicePage } from '../../../protocol/schemas/console.js';
import { lock, LOCK_FIELDS, removeLock, resumeTester, revokeDevice, suspendTester, thenReload, untilText } from '../components/actions.js';
import { ConfirmDialog, MESSAGE_AND_NOTE } from '../components/confirm.js';
import { AuditTable } from '../components/audit-table.js';
import { plural, when } from '../components/format.js';
import { useRead, type FeedEvent } from '../live.js';
import { hrefOf } from '../route.js';

type Action = 'revoke' | 'lock' | 'unlock' | 'suspend' | 'resume';

const NOTE_ONLY = [{ name: 'note', label: 'Note for the audit log only (optional)' }];

/**
 * This device's revocation and connections come with the live event and are patched in place (no
 * request); other devices' are ignored; any other change reloads the page.
 */
function patchDevice(id: string, event: FeedEvent): 'reload' | 'ignore' | ((page: ConsoleDevicePage) => ConsoleDevicePage) {
  if (event.type === 'change') return 'reload';
  if (event.type === 'device') {
    const d = event.data;
    if (d.id !== id) return 'ignore';
    return (page) => ({ ...page, device: { ...page.device, status: d.status, connections: { events: d.channels, streams: d.streams } } });
  }
  const c = event.data.devices.find((d) => d.id === id);
  if (!c) return 'ignore';
  return (page) => ({ ...page, device: { ...page.device, connections: { events: c.channels, streams: c.streams } } });
}

export function DevicePage({ id }: { id: string }) {
  const { data, error, reload } = useRead<ConsoleDevicePage>(`/api/devices/${encodeURIComponent(id)}`, (event) => patchDevice(id, event));
  const [action, setAction] = useState<Action | null>(null);
  if (error && !data) return <p role="alert" className="error">{error}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  const { device } = data;
  const connections = device.connections ?? { events: 0, streams: 0 };
  const live = `${plural(connections.events, 'event channel')} and ${plural(connections.streams, 'open model stream')}`;
  const facts: [string, string][] = [
    ['Platform', device.platform],
    ['Enrolled', `${when(device.enrolledAt)}${device.enrolledFrom ? ` from ${device.enrolledFrom}` : ''}`],
    ['Last session', device.lastSessionAt ? `${when(device.lastSessionAt)}${device.lastSessionFrom ? ` from ${device.lastSessionFrom}` : ''}` : '—'],
    ['Last seen', when(device.lastSeenAt)],
    ['Invite', `${device.invite.id}${device.invite.email ? ` (${device.invite.email})` : ''}`],
    ...(device.revokedAt ? ([['Revoked', `${when(device.revokedAt)}: ${device.revokedReason ?? ''}`]] as [string, string][]) : []),
  ];
  const act = thenReload(reload);
  return (
    <section>
      <p className="crumbs">
        <a href={hrefOf({ page: 'devices' })}>Devices</a> / <span className="mono">{device.id}</span>
      </p>
      <h1>
        Device <span className="mono">{device.id}</span>{' '}
        <span className={`status ${device.status}`} data-testid="device-status">
          {device.status}
        </span>{' '}
        {device.lock && <span className="status locked">locked</span>}
      </h1>
      <p className="lead">
        Tester <strong>{device.tester}</strong> ({data.testerStatus}). Connected now: <span data-testid="device-connections">{live}</span>.
      </p>
      {device.lock && (
        <p className="notice" data-testid="device-lock">
          Locked {untilText(device.lock.expiresAt)}
          {device.lock.message ? `; the tester sees: "${device.lock.message}"` : ''}.
        </p>
      )}
      <div className="buttons left">
        {device.status === 'active' && (
          <button type="button" className="danger" onClick={() => setAction('revoke')}>
            Revoke device…
          </button>
        )}
        {device.status === 'active' && !device.lock && (
          <button type="button" onClick={() => setAction('lock')}>
            Lock device…
          </button>
        )}
        {device.lock && (
          <button type="button" onClick={() => setAction('unlock')}>
            Remove lock…
          </button>
        )}
        {data.testerStatus === 'active' && (
          <button type="button" onClick={() => setAction('suspend')}>
            Suspend tester…
          </button>
        )}
        {data.testerStatus === 'suspended' && (
          <button type="button" onClick={() => setAction('resume')}>
            Resume tester…
          </button>
        )}
      </div>
      <div className="two">
        <div className="panel">
          <h2>What the gateway knows</h2>
          <dl>
            {facts.map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          <h2 className="spaced">Evidence checked {when(device.evidenceCheckedAt)}</h2>
          <dl>
            {Object.entries(device.evidence).map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd className="mono">{JSON.stringify(value)}</dd>
              </div>
            ))}
          </dl>
        </div>
        <div className="panel">
          <h2>Trust level</h2>
          <p data-testid="trust-level">{device.trustLevel}</p>
        </div>
      </div>
      <div className="panel">
        <h2>History</h2>
        <AuditTable entries={data.history} />
        <p className="small">
          <a href={hrefOf({ page: 'audit', text: device.id })}>Everything about this device in the audit log</a>
        </p>
      </div>
      {action === 'revoke' && (
        <ConfirmDialog
          title={`Revoke device ${device.id}?`}
          consequences={[`Cuts ${live} of ${device.tester} now.`, 'The device is refused from now on; the app wipes its key. It can only come back with a new invite.']}
          action="Revoke device"
          fields={MESSAGE_AND_NOTE}
          onConfirm={act((v) => revokeDevice(device.id, v))}
          onClose={() => setAction(null)}
        />
      )}
      {action === 'lock' && (
        <ConfirmDialog
          title={`Lock device ${device.id}?`}
          consequences={[`Cuts ${live} of ${device.tester} now, and refuses new sessions while the lock holds.`, 'The device keeps its key: when the lock ends it works again without a new invite.']}
          action="Lock device"
          fields={LOCK_FIELDS}
          onConfirm={act((v) => lock({ device: device.id }, v))}
          onClose={() => setAction(null)}
        />
      )}
      {action === 'unlock' && device.lock && (
        <ConfirmDialog
          title={`Remove the lock on ${device.id}?`}
          consequences={[`${device.tester} can open sessions on this device again at once.`]}
          action="Remove lock"
          fields={NOTE_ONLY}
          onConfirm={act((v) => removeLock(device.lock!.id, v))}
          onClose={() => setAction(null)}
        />
      )}
      {action === 'suspend' && (
        <ConfirmDialog
          title={`Suspend tester ${device.tester}?`}
          consequences={[`Revokes every active device of ${device.tester} and cuts all their live connections now.`, 'New invites for this tester are refused until they are resumed.']}
          action="Suspend tester"
          fields={MESSAGE_AND_NOTE}
          onConfirm={act((v) => suspendTester(device.tester, v))}
          onClose={() => setAction(null)}
        />
      )}
      {action === 'resume' && (
        <ConfirmDialog
          title={`Resume tester ${device.tester}?`}
          consequences={['New invites for this tester work again.', 'Their revoked devices stay revoked: each needs a new invite.']}
          action="Resume tester"
          fields={NOTE_ONLY}
          onConfirm={act((v) => resumeTester(device.tester, v))}
          onClose={() => setAction(null)}
        />
      )}
    </section>
  );
}
