import { useState } from 'react';
import type { ConsoleLock } from '../../../protocol/schemas/console.js';
import { lock, LOCK_FIELDS, removeLock, thenReload, untilText } from '../components/actions.js';
import { ConfirmDialog } from '../components/confirm.js';
import { when } from '../components/format.js';
import { reloadOnChange, useRead } from '../live.js';
import { hrefOf } from '../route.js';

type Target = { kind: 'tester' | 'device'; value: string };

const NOTE_ONLY = [{ name: 'note', label: 'Note for the audit log only (optional)' }];

/**
 * The locks that hold now (the CLI's `lock list`), a form to lock a tester or a device for a while
 * (`lock create`) and a remove button per lock (`lock remove`), each behind a confirmation.
 */
export function LocksPage() {
  const { data, error, reload } = useRead<ConsoleLock[]>('/api/locks', reloadOnChange);
  const [kind, setKind] = useState<Target['kind']>('tester');
  const [value, setValue] = useState('');
  const [creating, setCreating] = useState<Target | null>(null);
  const [removing, setRemoving] = useState<ConsoleLock | null>(null);
  const then = thenReload(reload);
  return (
    <section>
      <h1>Locks</h1>
      <p className="lead">A lock refuses a tester or one device for a while without revoking anything: the device keeps its key and works again when the lock ends or is removed.</p>
      <form
        className="panel toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setCreating({ kind, value: value.trim() });
        }}
      >
        <label className="field inline">
          Lock
          <select value={kind} onChange={(e) => setKind(e.target.value as Target['kind'])} aria-label="What to lock">
            <option value="tester">the tester</option>
            <option value="device">the device</option>
          </select>
        </label>
        <input
          required
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-label={kind === 'tester' ? "Tester's email" : 'Device id'}
          placeholder={kind === 'tester' ? 'ada@lab.example' : 'dev_…'}
          type={kind === 'tester' ? 'email' : 'text'}
          pattern={kind === 'device' ? 'dev_[A-Za-z0-9_-]+' : undefined}
        />
        <button type="submit" className="primary">
          Lock…
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table className="list" data-testid="locks-table">
        <thead>
          <tr>
            <th>Locked</th>
            <th>Until</th>
            <th>Message shown to the tester</th>
            <th>Note</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((l) => (
            <tr key={l.id}>
              <td>
                {l.targetKind === 'device' ? (
                  <>
                    device{' '}
                    <a className="mono" href={hrefOf({ page: 'device', id: l.target })}>
                      {l.target}
                    </a>
                  </>
                ) : (
                  <>
                    tester <a href={hrefOf({ page: 'audit', text: l.target })}>{l.target}</a>
                  </>
                )}
                <div className="muted small mono">{l.id}</div>
              </td>
              <td>{untilText(l.expiresAt)}</td>
              <td>
                {l.message ?? <span className="muted">—</span>}
                {l.wipeHistory && <div className="small">The app deletes its chat history.</div>}
              </td>
              <td>{l.note ?? <span className="muted">—</span>}</td>
              <td>
                {when(l.createdAt)}
                <div className="muted small">{l.createdBy}</div>
              </td>
              <td className="actions">
                <button type="button" onClick={() => setRemoving(l)}>
                  Remove…
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.length === 0 && <p className="muted">No lock holds now.</p>}
      {creating && (
        <ConfirmDialog
          title={`Lock ${creating.kind} ${creating.value}?`}
          consequences={
            creating.kind === 'tester'
              ? [`Cuts the live connections of every device of ${creating.value} now, and refuses their sessions while the lock holds.`, 'Nothing is revoked: when the lock ends, their devices work again without a new invite.']
              : [`Cuts the live connections of device ${creating.value} now, and refuses its sessions while the lock holds.`, 'The device keeps its key: when the lock ends it works again without a new invite.']
          }
          action={creating.kind === 'tester' ? 'Lock tester' : 'Lock device'}
          fields={LOCK_FIELDS}
          onConfirm={then(async (v) => {
            await lock(creating.kind === 'tester' ? { tester: creating.value } : { device: creating.value }, v);
            setValue('');
          })}
          onClose={() => setCreating(null)}
        />
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove the lock on ${removing.target}?`}
          consequences={[removing.targetKind === 'tester' ? `${removing.target} can open sessions on their devices again at once.` : `Device ${removing.target} can open sessions again at once.`]}
          action="Remove lock"
          fields={NOTE_ONLY}
          onConfirm={then((v) => removeLock(removing.id, v))}
          onClose={() => setRemoving(null)}
        />
      )}
    </section>
  );
}
