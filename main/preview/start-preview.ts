/**
 * DEV-ONLY: the preview's composition root, the browser counterpart of main.ts — the same API
 * service over the same client core, behind the loopback bridge instead of IPC.
 */
import type { AirlockClient } from '../core/api.js';
import type { Confirmations } from '../ipc/confirmations.js';
import { createApiService } from '../ipc/handlers.js';
import type { PendingInvites } from '../ipc/pending-invites.js';
import type { Clipboard } from '../ipc/clipboard-text.js';
import { pushRendererEvents } from '../shell/renderer-events.js';
import { bundleBridgeClient } from './bundle-bridge.js';
import { startPreviewServer } from './preview-server.js';
import type { PreviewServer } from './preview-server.js';

/** `confirm`: run-preview asks in its terminal (preview/terminal-confirm.ts); tests pass their own. */
export async function startPreview(options: { client: AirlockClient; invites: PendingInvites; confirm: Confirmations; rendererDir: string; clipboard?: Clipboard }): Promise<PreviewServer> {
  const { client, invites } = options;
  invites.follow(client);
  // The preview process has no desktop clipboard of its own: a stand-in keeps the last copy (dev only).
  const service = createApiService({ client, invites, confirm: options.confirm, clipboard: options.clipboard ?? memoryClipboard() });
  return startPreviewServer({
    handlers: service.handlers,
    rendererDir: options.rendererDir,
    bridgeScript: await bundleBridgeClient(),
    events: { subscribe: (push) => pushRendererEvents({ client, invites }, push) },
    onCallerGone: (id) => service.closeCaller(id),
  });
}

/** A clipboard that keeps the last text written: the preview's stand-in, and what tests read. */
export function memoryClipboard(): Clipboard & { last: string | null } {
  const clipboard = {
    last: null as string | null,
    writeText(text: string) {
      clipboard.last = text;
    },
  };
  return clipboard;
}
