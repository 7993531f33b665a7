import type { App } from 'electron';
import type { PendingInvites } from '../ipc/pending-invites.js';
import { findInviteArgument } from '../ipc/pending-invites.js';

export type DeepLinkApp = Pick<App, 'on' | 'setAsDefaultProtocolClient'>;

export const LINK_SCHEME = 'airlock';

/**
 * Routes `airlock://` links to the pending-invite queue: from macOS's `open-url`, from a second
 * instance's command line (Windows and Linux), and from this instance's own argv at start.
 * Invalid links are dropped (and reported); valid ones bring the window forward.
 */
export function handleDeepLinks(options: {
  app: DeepLinkApp;
  invites: PendingInvites;
  argv: readonly string[];
  focusWindow: () => void;
  onRejected?: (reason: string) => void;
}): void {
  const { app, invites, focusWindow } = options;
  const rejected = options.onRejected ?? (() => {});
  const accept = (candidate: string | null, source: string) => {
    if (candidate === null) return;
    if (invites.offer(candidate)) focusWindow();
    else rejected(`an invalid ${LINK_SCHEME}:// link from ${source} was ignored`);
  };
  app.setAsDefaultProtocolClient(LINK_SCHEME);
  app.on('open-url', (event, url) => {
    event.preventDefault();
    accept(url, 'the system');
  });
  app.on('second-instance', (_event, argv) => {
    focusWindow();
    accept(findInviteArgument(argv), 'a second instance');
  });
  accept(findInviteArgument(options.argv), 'the command line');
}
