import type { MouseEvent } from 'react';
import type { ConsoleAuditEntry } from '../../../protocol/schemas/console.js';
import { shortHash, when } from './format.js';

/** Audit entries as a table: each with its hash and a link to its predecessor (the chain). */
export function AuditTable({ entries, testId }: { entries: readonly ConsoleAuditEntry[]; testId?: string }) {
  // In a scroll box: on a narrow page (a device's history) the columns keep readable widths
  // instead of squeezing the details to a few characters a line and cutting off the hashes.
  return (
    <div className="table-scroll">
      <table className="list audit" data-testid={testId}>
        <thead>
          <tr>
            <th>#</th>
            <th>Time</th>
            <th>Type</th>
            <th>Actor</th>
            <th>Subject</th>
            <th>Details</th>
            <th>Hash / previous</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq} id={`seq-${e.seq}`}>
              <td className="num">{e.seq}</td>
              <td className="when">{when(e.time)}</td>
              <td className="mono">{e.type}</td>
              <td>{e.actor}</td>
              <td className="mono">{e.subject}</td>
              <td className="mono small details">{JSON.stringify(e.details)}</td>
              <td className="mono small">
                <span title={e.hash}>{shortHash(e.hash)}</span>
                <br />
                {e.seq > 1 ? (
                  <a href={`#seq-${e.seq - 1}`} title={e.prevHash} onClick={(event) => scrollToEntry(event, e.seq - 1)}>
                    ← {shortHash(e.prevHash)} (#{e.seq - 1})
                  </a>
                ) : (
                  <span className="muted">genesis</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// The predecessor may be in this table: scroll to it without touching the route.
function scrollToEntry(event: MouseEvent, seq: number) {
  event.preventDefault();
  const row = document.getElementById(`seq-${seq}`);
  if (row) {
    row.scrollIntoView({ block: 'center' });
    row.classList.add('flash');
    setTimeout(() => row.classList.remove('flash'), 1200);
  }
}
