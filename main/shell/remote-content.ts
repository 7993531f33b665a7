import type { Session } from 'electron';

/**
 * No remote content: the renderer's session may load only the app's own files. All network
 * traffic goes through main's pinned transport, which does not use this session at all.
 */
export function isAllowedRendererRequest(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'app:' || protocol === 'devtools:' || protocol === 'data:';
  } catch {
    return false;
  }
}

export function blockRemoteContent(session: Pick<Session, 'webRequest'>, onRefused: (url: string) => void = () => {}): void {
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRendererRequest(details.url);
    if (!allowed) onRefused(details.url);
    callback({ cancel: !allowed });
  });
}
