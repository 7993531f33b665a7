/**
 * React and the pages. A page the gateway drew is taken over as it is (hydrateRoot, with the
 * session and data it was drawn from). Otherwise the session and the page's data were asked for by
 * the entry while this chunk loaded; the first render waits for those answers (they are usually
 * here already; the data at most 3 seconds, then the page draws and fills in when it comes), so
 * the first frame React draws is the page with its data, not "opening" and "loading" frames first.
 * (A promise, not a top-level await: that would make the bundler split the modules this chunk
 * shares with the entry into a third file, one more request before anything runs.)
 */
import { StrictMode } from 'react';
import { createRoot, hydrateRoot } from 'react-dom/client';
import { currentPath } from './address.js';
import { earlyReadsSettled } from './api.js';
import { App, openGate } from './app.js';
import { pageDrawnByGateway } from './boot.js';
import { parseRoute } from './route.js';

/** How long the first drawing waits for the page's data: long enough for a loaded gateway, short enough to show the console. */
const DATA_WAIT_MS = 3_000;

/** Starts React on the page: takes over the page the gateway drew, or draws it. Called by the entry (main.tsx) when it is time. */
export function start(): void {
  performance.mark('airlock-react-run');
  const root = document.getElementById('root');
  const drawn = pageDrawnByGateway();
  if (root && drawn) {
    hydrateRoot(
      root,
      <StrictMode>
        <App opened={{ state: 'open', session: drawn.session }} initialRoute={parseRoute(drawn.path)} />
      </StrictMode>,
    );
  } else if (root) {
    // The early reads are counted once the session is open: after a login link, the page's data is
    // asked for only then (api.ts, startLogin).
    void (async () => {
      const opened = await openGate();
      await earlyReadsSettled(DATA_WAIT_MS);
      createRoot(root).render(
        <StrictMode>
          <App opened={opened} initialRoute={parseRoute(currentPath())} />
        </StrictMode>,
      );
    })();
  }
}
