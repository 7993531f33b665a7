import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import type { AirlockClient } from '../../../main/core/api.js';
import { createPendingInvites } from '../../../main/ipc/pending-invites.js';
import type { PendingInvites } from '../../../main/ipc/pending-invites.js';
import type { Clipboard } from '../../../main/ipc/clipboard-text.js';
import { buildRenderer } from '../../../main/preview/build-renderer.js';
import { startPreview } from '../../../main/preview/start-preview.js';
import type { PreviewServer } from '../../../main/preview/preview-server.js';

/** Debian's Chromium, never a downloaded browser. --no-sandbox is Chromium's OS sandbox (root here). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

let built: Promise<string> | null = null;
/** Builds the renderer once per test file. */
export function builtRenderer(): Promise<string> {
  built ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-renderer-'));
    await buildRenderer(dir);
    return dir;
  })();
  return built;
}

export interface Preview {
  server: PreviewServer;
  invites: PendingInvites;
  close(): Promise<void>;
}

/** The same wiring as `npm start`'s preview, over any client. */
export async function openPreview(client: AirlockClient, options: { clipboard?: Clipboard } = {}): Promise<Preview> {
  const invites = createPendingInvites();
  const server = await startPreview({ client, invites, rendererDir: await builtRenderer(), ...options });
  return { server, invites, close: () => server.close() };
}

export async function removeBuiltRenderer(): Promise<void> {
  if (built) await rm(await built, { recursive: true, force: true });
  built = null;
}
