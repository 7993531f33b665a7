import { useState } from 'react';
import type { ConsoleAuditPage, ConsoleVerify } from '../../../protocol/schemas/console.js';
import { post } from '../api.js';
import { AuditTable } from '../components/audit-table.js';
import { useRead, type FeedEvent } from '../live.js';

interface Filter {
  type: string;
  text: string;
  since: string;
  until: string;
}

/** A datetime-local value read as UTC, the clock every time in the console is shown in. */
const toIso = (local: string) => (local ? new Date(`${local}Z`).toISOString() : '');

/** Connections leave no entry; a revocation or any other change does. */
const newEntries = (event: FeedEvent) => (event.type === 'connections' ? 'ignore' : 'reload');

export function AuditPage({ initialText }: { initialText: string }) {
  const [draft, setDraft] = useState<Filter>({ type: '', text: initialText, since: '', until: '' });
  const [filter, setFilter] = useState<Filter>(draft);
  // Older pages: the `before` of each page shown after the first.
  const [pages, setPages] = useState<number[]>([]);
  const before = pages.at(-1);
  const params = new URLSearchParams();
  if (filter.type) params.set('type', filter.type);
  if (filter.text) params.set('text', filter.text);
  if (filter.since) params.set('since', toIso(filter.since));
  if (filter.until) params.set('until', toIso(filter.until));
  if (before !== undefined) params.set('before', String(before));
  const query = params.toString();
  const { data, error } = useRead<ConsoleAuditPage>(`/api/audit?${query}`, newEntries);
  const [verify, setVerify] = useState<ConsoleVerify | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<string | null>(null);

  return (
    <section>
      <h1>Audit log</h1>
      <div className="panel verify">
        <button
          type="button"
          className="primary"
          disabled={verifying}
          onClick={() => {
            setVerifying(true);
            setVerifyError(null);
            post<ConsoleVerify>('/api/audit/verify').then(
              (result) => {
                setVerify(result);
                setVerifying(false);
              },
              (e: unknown) => {
                setVerifyError(e instanceof Error ? e.message : String(e));
                setVerifying(false);
              },
            );
          }}
        >
          {verifying ? 'Verifying…' : 'Verify chain'}
        </button>
        {verify && (
          <span data-testid="verify-result" className={verify.ok ? 'ok' : 'bad'}>
            {verify.ok ? `The chain verifies: ${verify.entries.toLocaleString('en-US')} entries. Head ${verify.head ?? '—'} (keep it off this host).` : `The chain does NOT verify: entry ${verify.firstBad} is bad (${verify.reason ?? 'no reason given'}).`}
          </span>
        )}
        {verifyError && <span role="alert" className="error">{verifyError}</span>}
      </div>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(draft);
          setPages([]);
        }}
      >
        <input aria-label="Type starts with" placeholder="Type (admin., model.call, refusal)" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })} />
        <input aria-label="Tester, device or text" placeholder="Tester, device or any text" value={draft.text} onChange={(e) => setDraft({ ...draft, text: e.target.value })} />
        <label className="field inline">
          From (UTC)
          <input type="datetime-local" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} />
        </label>
        <label className="field inline">
          To (UTC)
          <input type="datetime-local" value={draft.until} onChange={(e) => setDraft({ ...draft, until: e.target.value })} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      <AuditTable entries={data?.entries ?? []} testId="audit-table" />
      <div className="buttons left">
        <button type="button" disabled={pages.length === 0} onClick={() => setPages(pages.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!data?.next} onClick={() => data?.next && setPages([...pages, data.next])}>
          Older
        </button>
      </div>
    </section>
  );
}
