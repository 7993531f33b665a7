import type { WebContents } from 'electron';

export type NavigationContents = Pick<WebContents, 'setWindowOpenHandler' | 'on'>;

export interface Refusal {
  kind: 'navigate' | 'redirect' | 'window-open' | 'attach-webview' | 'frame-navigate';
  url: string;
}

/**
 * The renderer never leaves its page: every navigation, redirect, `window.open` and `<webview>`
 * is refused. The app has no links to follow (model output links are inert), so there is no
 * allow-list to get wrong. Refusals are reported so they can be logged.
 */
export function applyNavigationPolicy(contents: NavigationContents, onRefused: (refusal: Refusal) => void = () => {}): void {
  contents.setWindowOpenHandler((details) => {
    onRefused({ kind: 'window-open', url: details.url });
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    onRefused({ kind: 'navigate', url: event.url });
  });
  contents.on('will-frame-navigate', (event) => {
    event.preventDefault();
    onRefused({ kind: 'frame-navigate', url: event.url });
  });
  contents.on('will-redirect', (event) => {
    event.preventDefault();
    onRefused({ kind: 'redirect', url: event.url });
  });
  contents.on('will-attach-webview', (event, _webPreferences, params) => {
    event.preventDefault();
    onRefused({ kind: 'attach-webview', url: params.src ?? '' });
  });
}
