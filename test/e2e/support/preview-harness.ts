import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import type { AirlockClient } from '../../../main/core/api.js';
import type { Confirmations, EnrollmentRequest, SignOutRequest } from '../../../main/ipc/confirmations.js';
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
  /** What main asked the tester to confirm, in order. */
  asked: Array<({ kind: 'enrollment' } & EnrollmentRequest) | ({ kind: 'sign-out' } & SignOutRequest)>;
  close(): Promise<void>;
}

/**
 * The same wiring as `npm start`'s preview, over any client. Main's confirmation (a terminal
 * question in `npm start`) is played by `confirm`, which answers yes unless told otherwise and
 * records what it was asked, so tests see that main asked, and about which gateway and pin.
 */
export async function openPreview(client: AirlockClient, options: { confirm?: Partial<Confirmations>; clipboard?: Clipboard } = {}): Promise<Preview> {
  const invites = createPendingInvites();
  const asked: Preview['asked'] = [];
  const confirm: Confirmations = {
    enrollment: async (request) => (asked.push({ kind: 'enrollment', ...request }), options.confirm?.enrollment ? options.confirm.enrollment(request) : true),
    signOut: async (request) => (asked.push({ kind: 'sign-out', ...request }), options.confirm?.signOut ? options.confirm.signOut(request) : true),
  };
  const server = await startPreview({ client, invites, confirm, rendererDir: await builtRenderer(), ...(options.clipboard ? { clipboard: options.clipboard } : {}) });
  return { server, invites, asked, close: () => server.close() };
}

export async function removeBuiltRenderer(): Promise<void> {
  if (built) await rm(await built, { recursive: true, force: true });
  built = null;
}

/** What an e2e file that drives the app through the preview holds open; each part may be missing (a failed setup). */
export interface AppHarnessParts {
  browser?: Browser | undefined;
  preview?: Preview | undefined;
  client?: AirlockClient | undefined;
  gateway?: { stop(): Promise<void> } | undefined;
  /** Further things to stop after the gateway (a test upstream, a software TPM). */
  others?: Array<{ close(): Promise<void> } | { stop(): Promise<void> } | undefined>;
  dataDir?: string | undefined;
}

/**
 * Stops it all in the one safe order: the browser and preview first, then the client (signed out
 * locally, so the shared test keychain is left as it was found), the gateway, the rest, the built
 * renderer and the app's data directory.
 */
export async function closeAppHarness(parts: AppHarnessParts): Promise<void> {
  await parts.browser?.close();
  await parts.preview?.close();
  await parts.client?.signOut({ localOnly: true }).catch(() => {});
  await parts.client?.close();
  await parts.gateway?.stop();
  for (const other of parts.others ?? []) {
    if (other) await ('close' in other ? other.close() : other.stop());
  }
  await removeBuiltRenderer();
  if (parts.dataDir) await rm(parts.dataDir, { recursive: true, force: true });
}
