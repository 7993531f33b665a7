/**
 * The entry, kept small. On a page the gateway drew (with its data), it hands that data to the
 * pages and lets the browser show the page before React starts (React then takes the drawn page
 * over: hydration). Otherwise it asks for the session and the page's data at once and loads React
 * and the pages (a separate chunk) while those answers travel, so a page load is not three round
 * trips in a row (script, session, data). A login link's page trades the link for its session at
 * once, then asks for the page's data, both while React loads.
 */
import { adopt, prefetch, seed, startLogin } from './api.js';
import { currentPath, takeLoginSecret } from './address.js';
import { pageDrawnByGateway } from './boot.js';
import { dataPathOf, parseRoute } from './route.js';
import './styles.css';

/** Runs `start` once the browser has shown a frame (or after 200 ms: a tab in the background draws no frames). */
function afterFirstFrame(start: () => void): void {
  let started = false;
  const once = () => {
    if (started) return;
    started = true;
    start();
  };
  requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, 200);
}

// User Timing marks (here, before React starts, as it runs): the bench reads them, and anyone can in devtools.
performance.mark('airlock-entry');
const drawn = pageDrawnByGateway();
if (drawn) {
  adopt(drawn.session);
  if (drawn.data) seed(drawn.data.path, drawn.data.value);
  // React's chunk was preloaded by the page's head (fetched and compiled while the gateway read the
  // data); it is run only after the first frame: running it (react-dom's ~40 ms) and taking the page
  // over before then would hold back the frame that shows the data.
  afterFirstFrame(() => {
    performance.mark('airlock-react-start');
    void import('./render.js').then((m) => m.start());
  });
} else {
  const path = dataPathOf(parseRoute(currentPath()));
  const secret = takeLoginSecret();
  if (secret) {
    startLogin(secret, path);
  } else {
    prefetch('/api/session');
    if (path) prefetch(path);
  }
  void import('./render.js').then((m) => m.start());
}
