import { useDeferredValue, useMemo, useState } from 'react';
import type { ConsoleTesterRow } from '../../../protocol/schemas/console.js';
import { lock, LOCK_FIELDS, removeLock, resumeTester, suspendTester, thenReload, untilText } from '../components/actions.js';
import { ConfirmDialog, MESSAGE_AND_NOTE } from '../components/confirm.js';
import { plural } from '../components/format.js';
import { usePaged } from '../components/pager.js';
import { useRead } from '../live.js';
import { hrefOf } from '../route.js';

type Action = { kind: 'suspend' | 'resume' | 'lock' | 'unlock'; tester: ConsoleTesterRow };

const NOTE_ONLY = [{ name: 'note', label: 'Note for the audit log only (optional)' }];

export function TestersPage() {
  const { data, error, reload } = useRead<ConsoleTesterRow[]>('/api/testers');
  const [query, setQuery] = useState('');
  const [action, setAction] = useState<Action | null>(null);
  const q = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(() => (data ?? []).filter((t) => !q || t.email.toLowerCase().includes(q) || t.status.includes(q)), [data, q]);
  const { shown, pager } = usePaged(rows, q, 'Testers');
  const act = thenReload(reload);
  return (
    <section>
      <h1>Testers</h1>
      <div className="toolbar">
        <input type="search" placeholder="Search by email or status" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search testers" />
        <span className="muted small">{data ? `${rows.length.toLocaleString('en-US')} of ${data.length.toLocaleString('en-US')}` : ''}</span>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      <table className="list" data-testid="testers-table">
        <thead>
          <tr>
            <th>Tester</th>
            <th>Status</th>
            <th className="num">Devices</th>
            <th className="num">Connected now</th>
            <th className="num">Requests, 7 days</th>
            <th className="num">Tokens, 7 days</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((t) => (
            <tr key={t.email}>
              <td>
                <a href={hrefOf({ page: 'audit', text: t.email })}>{t.email}</a>
              </td>
              <td>
                <span className={`status ${t.status}`}>{t.status}</span> {t.lock && <span className="status locked" title={t.lock.message ?? ''}>locked {untilText(t.lock.expiresAt)}</span>}
              </td>
              <td className="num">{t.devices}</td>
              <td className="num">{t.connectedDevices}</td>
              <td className="num">{t.requests.toLocaleString('en-US')}</td>
              <td className="num">{(t.promptTokens + t.completionTokens).toLocaleString('en-US')}</td>
              <td className="actions">
                {t.status === 'active' && !t.lock && (
                  <button type="button" onClick={() => setAction({ kind: 'lock', tester: t })}>
                    Lock…
                  </button>
                )}
                {t.lock && (
                  <button type="button" onClick={() => setAction({ kind: 'unlock', tester: t })}>
                    Remove lock…
                  </button>
                )}{' '}
                {t.status === 'active' ? (
                  <button type="button" onClick={() => setAction({ kind: 'suspend', tester: t })}>
                    Suspend…
                  </button>
                ) : (
                  <button type="button" onClick={() => setAction({ kind: 'resume', tester: t })}>
                    Resume…
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pager}
      {action?.kind === 'suspend' && (
        <ConfirmDialog
          title={`Suspend tester ${action.tester.email}?`}
          consequences={[`Revokes ${plural(action.tester.devices, 'device')} of ${action.tester.email} and cuts the ${plural(action.tester.connectedDevices, 'device')} connected now.`, 'New invites for this tester are refused until they are resumed.']}
          action="Suspend tester"
          fields={MESSAGE_AND_NOTE}
          onConfirm={act((v) => suspendTester(action.tester.email, v))}
          onClose={() => setAction(null)}
        />
      )}
      {action?.kind === 'resume' && (
        <ConfirmDialog
          title={`Resume tester ${action.tester.email}?`}
          consequences={['New invites for this tester work again.', 'Their revoked devices stay revoked: each needs a new invite.']}
          action="Resume tester"
          fields={NOTE_ONLY}
          onConfirm={act((v) => resumeTester(action.tester.email, v))}
          onClose={() => setAction(null)}
        />
      )}
      {action?.kind === 'lock' && (
        <ConfirmDialog
          title={`Lock tester ${action.tester.email}?`}
          consequences={[`Cuts the live connections of the ${plural(action.tester.connectedDevices, 'device')} connected now and refuses new sessions on all their devices while the lock holds.`, 'Their devices keep their keys: when the lock ends they work again without a new invite.']}
          action="Lock tester"
          fields={LOCK_FIELDS}
          onConfirm={act((v) => lock({ tester: action.tester.email }, v))}
          onClose={() => setAction(null)}
        />
      )}
      {action?.kind === 'unlock' && action.tester.lock && (
        <ConfirmDialog
          title={`Remove the lock on ${action.tester.email}?`}
          consequences={[`${action.tester.email} can open sessions again at once.`]}
          action="Remove lock"
          fields={NOTE_ONLY}
          onConfirm={act((v) => removeLock(action.tester.lock!.id, v))}
          onClose={() => setAction(null)}
        />
      )}
    </section>
  );
}
