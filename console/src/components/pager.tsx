/**
 * A long table drawn one page of rows at a time: the browser lays out a few dozen rows instead of
 * a thousand (what a cold page load waits for), and every row is still reachable, page by page.
 * Counting and searching cover all rows; only drawing is paged.
 */
import { useState, type ReactNode } from 'react';

/** Rows drawn at once: more than a screenful, a fraction of what a table of 1,000 costs to lay out. */
export const PAGE_ROWS = 50;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The rows of the page being shown, and the pager that moves between pages. A new `filter` (the
 * search, a checkbox) starts again at the first page.
 */
export function usePaged<T>(rows: readonly T[], filter: string, what: string): { shown: readonly T[]; pager: ReactNode } {
  const [at, setAt] = useState({ filter, first: 0 });
  const first = at.filter === filter && at.first < rows.length ? at.first : 0;
  const shown = rows.slice(first, first + PAGE_ROWS);
  if (rows.length <= PAGE_ROWS) return { shown, pager: null };
  const go = (to: number) => setAt({ filter, first: to });
  const last = Math.floor((rows.length - 1) / PAGE_ROWS) * PAGE_ROWS;
  const pager = (
    <nav className="pager small" aria-label={`Pages of ${what}`}>
      <button type="button" onClick={() => go(0)} disabled={first === 0}>
        First
      </button>
      <button type="button" onClick={() => go(first - PAGE_ROWS)} disabled={first === 0}>
        Previous {PAGE_ROWS}
      </button>
      <span data-testid="pager-range">
        {what} {count(first + 1)}–{count(first + shown.length)} of {count(rows.length)}
      </span>
      <button type="button" onClick={() => go(first + PAGE_ROWS)} disabled={first >= last}>
        Next {PAGE_ROWS}
      </button>
      <button type="button" onClick={() => go(last)} disabled={first >= last}>
        Last
      </button>
    </nav>
  );
  return { shown, pager };
}
