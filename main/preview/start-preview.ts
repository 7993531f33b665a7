/**
 * DEV-ONLY: the preview's composition root, the browser counterpart of main.ts — the same API
 * service over the same client core, behind the loopback bridge instead of IPC.
 */
import type { AirlockClient } from '../core/api.js';
import { createApiService } from '../ipc/handlers.js';
import type { PendingInvites } from '../ipc/pending-invites.js';
import { pushRendererEvents } from '../shell/renderer-events.js';
import { bundleBridgeClient } from './bundle-bridge.js';
import { startPreviewServer } from './preview-server.js';
import type { PreviewServer } from './preview-server.js';

export async function startPreview(options: { client: AirlockClient; invites: PendingInvites; rendererDir: string }): Promise<PreviewServer> {
  const { client, invites } = options;
  const service = createApiService({ client, invites });
  return startPreviewServer({
    handlers: service.handlers,
    rendererDir: options.rendererDir,
    bridgeScript: await bundleBridgeClient(),
    events: { subscribe: (push) => pushRendererEvents({ client, invites }, push) },
    onCallerGone: (id) => service.closeCaller(id),
  });
}
