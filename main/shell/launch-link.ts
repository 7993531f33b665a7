/**
 * A link the app is started with through its environment (`npm start` passes the dev gateway's
 * invite this way): a command line is readable by every local user, an environment only by the
 * same user and root (issue 12, hole 9). Read once and removed, so no child process inherits it.
 * It then goes where command-line links go: the pending-invite queue and its confirm screen.
 */
export const APP_LINK_ENV = 'AIRLOCK_OPEN_LINK';

export function takeLaunchLink(env: NodeJS.ProcessEnv = process.env): string[] {
  const link = env[APP_LINK_ENV];
  delete env[APP_LINK_ENV];
  return link ? [link] : [];
}
