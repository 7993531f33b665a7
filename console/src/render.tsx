/**
 * React and the pages. The session and the page's data were asked for by the entry while this
 * chunk loaded; the first render waits for those answers (they are usually here already), so the
 * first frame React draws is the page with its data, not "opening" and "loading" frames first.
 * (A promise, not a top-level await: that would make the bundler split the modules this chunk
 * shares with the entry into a third file, one more request before anything runs.)
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { earlyReadsSettled } from './api.js';
import { App, openGate } from './app.js';

const root = document.getElementById('root');
if (root) {
  void Promise.all([openGate(), earlyReadsSettled()]).then(([opened]) =>
    createRoot(root).render(
      <StrictMode>
        <App opened={opened} />
      </StrictMode>,
    ),
  );
}
