import type { BrowserWindow } from 'electron';
import type { ClientState } from '../core/api.js';

/**
 * Content protection follows the gateway's policy once enrolled; before that (and after a
 * revocation) it stays on, the safe side, since there is no policy saying otherwise.
 */
export function wantsContentProtection(state: ClientState): boolean {
  return state.kind === 'enrolled' ? state.policy.contentProtection : true;
}

export function followContentProtection(
  window: Pick<BrowserWindow, 'setContentProtection' | 'isDestroyed'>,
  client: { state(): ClientState; onState(listener: (state: ClientState) => void): () => void },
): () => void {
  let current: boolean | null = null;
  const apply = (state: ClientState) => {
    const wanted = wantsContentProtection(state);
    if (wanted === current || window.isDestroyed()) return;
    window.setContentProtection(wanted);
    current = wanted;
  };
  apply(client.state());
  return client.onState(apply);
}
