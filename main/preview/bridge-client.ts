/**
 * DEV-ONLY. Injected by the preview server into the renderer page, before the app's own script:
 * it gives the page a `window.airlock` that reaches the real client core over loopback, so the
 * unchanged renderer runs in a plain browser. Never part of a packaged build.
 */
import { createParser } from 'eventsource-parser';
import { createBridgeApi } from '../ipc/bridge-api.js';
import type { BridgeTransport } from '../ipc/bridge-api.js';
import type { EventChannel } from '../ipc/channels.js';

const KEY_STORAGE = 'airlock-preview-key';
const KEY_HEADER = 'x-airlock-bridge';

function showBanner(): void {
  const banner = document.createElement('div');
  banner.setAttribute('role', 'note');
  banner.dataset.testid = 'preview-banner';
  banner.textContent = 'Browser preview — development only. This is the Airlock renderer in a browser, bridged to the client core on this machine; it is not the hardened desktop app. Enrollment and sign-out are confirmed in the terminal running npm start.';
  banner.style.cssText = 'flex:none;padding:6px 14px;background:#5b3b00;color:#fff6e0;font:600 13px/1.4 system-ui,sans-serif;text-align:center;';
  document.body.prepend(banner);
}

/** Trades the one-time token in the URL fragment for this page's key, then drops it from the URL. */
async function sessionKey(): Promise<string> {
  const stored = sessionStorage.getItem(KEY_STORAGE);
  if (stored) return stored;
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  history.replaceState(null, '', location.pathname);
  if (!token) throw new Error('This preview page was opened without its one-time token. Run `npm start` again.');
  const response = await fetch('/bridge/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (!response.ok) throw new Error('The preview refused this page (its one-time token was already used). Run `npm start` again.');
  const { key } = (await response.json()) as { key: string };
  sessionStorage.setItem(KEY_STORAGE, key);
  return key;
}

function createHttpTransport(keyPromise: Promise<string>): BridgeTransport {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  async function listen(): Promise<void> {
    const key = await keyPromise;
    for (;;) {
      try {
        const response = await fetch('/bridge/events', { headers: { [KEY_HEADER]: key }, cache: 'no-store' });
        if (!response.ok || !response.body) throw new Error(`events ${response.status}`);
        const parser = createParser({
          onEvent(message) {
            if (message.event === 'ready') return markReady();
            if (!message.event) return;
            const payload: unknown = JSON.parse(message.data);
            for (const listener of listeners.get(message.event) ?? []) listener(payload);
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // The preview process restarted or the network blinked; try again shortly.
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  void listen();

  return {
    async invoke(channel, input) {
      const key = await keyPromise;
      await ready;
      const response = await fetch(`/bridge/invoke/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [KEY_HEADER]: key },
        body: JSON.stringify(input === undefined ? {} : { input }),
      });
      return response.json();
    },
    subscribe<E extends EventChannel>(channel: E, listener: (payload: never) => void) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
  };
}

const keyPromise = sessionKey();
keyPromise.catch((error: unknown) => {
  document.addEventListener('DOMContentLoaded', () => {
    const root = document.getElementById('root');
    if (root) root.textContent = error instanceof Error ? error.message : String(error);
  });
});
Object.defineProperty(window, 'airlock', { value: Object.freeze(createBridgeApi(createHttpTransport(keyPromise))), writable: false, configurable: false });
if (document.body) showBanner();
else document.addEventListener('DOMContentLoaded', showBanner, { once: true });
