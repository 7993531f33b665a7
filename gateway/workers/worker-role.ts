/**
 * What one worker process of `serve --workers N` takes into serveGateway (server/serve.ts), and
 * how both halves start: the primary (primary.ts) and a worker (connect, open the replay file).
 */
import { chmodSync, closeSync, openSync } from 'node:fs';
import { dataPaths, loadSecrets } from '../config/data-dir.js';
import { socketIsLive } from '../admin/socket-server.js';
import { nonceKeyForThisRun } from '../auth/nonce-key.js';
import { markInterruptedCalls } from '../model/call-recovery.js';
import { openStore } from '../cluster/open-store.js';
import { connectToPrimary, type WorkerLink } from './worker-link.js';
import { openReplayFile, resetReplayFile, type SharedReplayFile } from './replay-file.js';

export interface WorkerRole {
  link: WorkerLink;
  replay: SharedReplayFile;
}

/** Claims past their proofs' acceptance are deleted this often. */
const SWEEP_MS = 30_000;

export function replayFilePath(dataDir: string): string {
  return dataPaths(dataDir).replayDb;
}

/**
 * The primary's work before any worker serves: no other gateway on this data directory, calls a
 * crash cut off marked once, the replay file emptied; returns the run's nonce key.
 */
export async function prepareWorkersRun(dataDir: string, nowMs: () => number, warn: (message: string, details: Record<string, unknown>) => void): Promise<Buffer> {
  const paths = dataPaths(dataDir);
  const secrets = await loadSecrets(paths);
  if (await socketIsLive(paths.adminSocket)) throw new Error(`Another gateway is already running on ${paths.dir} (its admin socket answers).`);
  const store = await openStore(dataDir);
  try {
    const interrupted = await markInterruptedCalls(store, nowMs());
    if (interrupted > 0) warn('model calls that never ended (the gateway stopped under them) were marked interrupted in the audit log', { count: interrupted });
  } finally {
    await store.close();
  }
  const replay = replayFilePath(dataDir);
  closeSync(openSync(replay, 'a', 0o600));
  chmodSync(replay, 0o600);
  resetReplayFile(replay);
  return nonceKeyForThisRun(secrets.nonceSecret, false);
}

export async function joinWorkers(dataDir: string, index: number, nowSeconds: () => number, log: (message: string) => void): Promise<WorkerRole> {
  const link = await connectToPrimary(index, log);
  const replay = openReplayFile(replayFilePath(dataDir), nowSeconds);
  const sweeper = setInterval(() => {
    try {
      replay.sweep(nowSeconds());
    } catch (error) {
      log(`could not sweep the replay file: ${error instanceof Error ? error.message : String(error)}`);
    }
  }, SWEEP_MS);
  sweeper.unref();
  return { link, replay: { ...replay, close: () => (clearInterval(sweeper), replay.close()) } };
}
