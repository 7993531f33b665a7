import { useState } from 'react';
import type { ConsoleInviteCreated, ConsoleInviteRow } from '../../../protocol/schemas/console.js';
import { post } from '../api.js';
import { ConfirmDialog } from '../components/confirm.js';
import { when } from '../components/format.js';
import { reloadOnChange, useRead } from '../live.js';

const EXPIRY = { '24 hours': 86_400, '72 hours': 3 * 86_400, '7 days': 7 * 86_400, '30 days': 30 * 86_400 } as const;

export function InvitesPage() {
  const { data, error, reload } = useRead<ConsoleInviteRow[]>('/api/invites', reloadOnChange);
  const [email, setEmail] = useState('');
  const [expiry, setExpiry] = useState<keyof typeof EXPIRY>('72 hours');
  const [devices, setDevices] = useState(1);
  const [created, setCreated] = useState<ConsoleInviteCreated | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ConsoleInviteRow | null>(null);
  const [copied, setCopied] = useState(false);

  return (
    <section>
      <h1>Invites</h1>
      <form
        className="panel form"
        onSubmit={(event) => {
          event.preventDefault();
          setFormError(null);
          setCopied(false);
          post<ConsoleInviteCreated>('/api/invites', { email: email.trim(), expiresInSeconds: EXPIRY[expiry], devices }).then(
            (invite) => {
              setCreated(invite);
              setEmail('');
              reload();
            },
            (e: unknown) => setFormError(e instanceof Error ? e.message : String(e)),
          );
        }}
      >
        <h2>New invite</h2>
        <label className="field">
          Tester's email
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} placeholder="ada@lab.example" />
        </label>
        <label className="field">
          Expires after
          <select value={expiry} onChange={(e) => setExpiry(e.target.value as keyof typeof EXPIRY)}>
            {Object.keys(EXPIRY).map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label className="field">
          Devices
          <input type="number" min={1} max={100} value={devices} onChange={(e) => setDevices(Math.max(1, Math.min(100, Number(e.target.value) || 1)))} />
        </label>
        <button type="submit" className="primary">
          Create invite
        </button>
        {formError && <p role="alert" className="error">{formError}</p>}
      </form>
      {created && (
        <div className="panel created" data-testid="invite-created">
          <h2>Send this to the tester</h2>
          <div className="two">
            <div>
              <textarea readOnly value={created.message} rows={8} aria-label="Invite message" />
              <button
                type="button"
                onClick={() => {
                  void navigator.clipboard?.writeText(created.message).then(() => setCopied(true));
                }}
              >
                {copied ? 'Copied' : 'Copy message'}
              </button>
            </div>
            <figure className="qr">
              <img src={created.qr} alt="The invite link as a QR code" width={200} height={200} />
              <figcaption className="muted small">Scan on the tester's computer only if it has a camera; the link works once.</figcaption>
            </figure>
          </div>
        </div>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      <table className="list">
        <thead>
          <tr>
            <th>Invite</th>
            <th>Tester</th>
            <th>Status</th>
            <th>Expires</th>
            <th>Devices enrolled</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(data ?? [])
            .slice()
            .reverse()
            .map((i) => (
              <tr key={i.id}>
                <td className="mono">{i.id}</td>
                <td>{i.email}</td>
                <td>
                  <span className={`status ${i.status}`}>{i.status}</span>
                </td>
                <td className="when">{when(i.expiresAt)}</td>
                <td className="num">{i.devices}</td>
                <td className="actions">
                  {i.status === 'pending' && (
                    <button type="button" onClick={() => setRevoking(i)}>
                      Revoke…
                    </button>
                  )}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      {revoking && (
        <ConfirmDialog
          title={`Revoke invite ${revoking.id}?`}
          consequences={[`The link sent to ${revoking.email} stops working now.`, 'Devices already enrolled with it are not affected.']}
          action="Revoke invite"
          onConfirm={async () => {
            await post(`/api/invites/${encodeURIComponent(revoking.id)}/revoke`);
            reload();
          }}
          onClose={() => setRevoking(null)}
        />
      )}
    </section>
  );
}
