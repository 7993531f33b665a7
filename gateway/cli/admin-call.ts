import { access, lstat, readFile } from 'node:fs/promises';
import type { AdminProof, AdminRequest } from '../../protocol/schemas/admin.js';
import { expectedAuditOf, proofProblem } from '../admin/action-proof.js';
import { invokingIdentity } from '../admin/identity.js';
import { ownerRefusal } from '../config/ownership.js';
import { AdminError } from '../admin/operations.js';
import { callAdminSocket } from '../admin/socket-client.js';
import { socketIsLive } from '../admin/socket-server.js';
import { assertPrivate, dataPaths, DataDirError } from '../config/data-dir.js';

/** The running gateway did not answer on its admin socket, or the shared store cannot be reached. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/**
 * Refuses a directory `init` did not make, naming it as such: advice to chmod a directory that
 * is not Airlock's (say `--data /tmp`) could only hurt.
 */
export async function assertAirlockDataDir(dir: string): Promise<void> {
  const paths = dataPaths(dir);
  const exists = await access(dir).then(() => true, () => false);
  if (!exists) throw new DataDirError(`${dir} does not exist. Pass --data with the directory "airlock-gateway init" made, or run "airlock-gateway init --data ${dir}" to make one.`);
  const isAirlock = await access(paths.caCert).then(() => true, () => false);
  if (!isAirlock) throw new DataDirError(`${dir} is not an Airlock data directory (it has no ca.pem). Pass --data with the directory "airlock-gateway init" made.`);
  await assertPrivate(paths.dir, 'directory');
  await assertPrivate(paths.caCert, 'file');
}

export interface AdminCallOptions {
  dataDir: string;
  /** `--store`, for commands run without the gateway. */
  store: string | undefined;
  /** An invite origin given on the command line: the store is then used directly (the gateway would use its own). */
  origin?: string;
  /** Only the running gateway can answer (live connections): without one, UnreachableError. */
  live?: boolean;
}

/** Runs an admin command on the running gateway, or directly on the store when none runs. */
export async function callAdmin(options: AdminCallOptions, request: AdminRequest): Promise<unknown> {
  const paths = dataPaths(options.dataDir);
  // Before anything is said on the socket: the directory and the socket must be this user's (or root's).
  await assertAirlockDataDir(paths.dir);
  if (!options.origin && (await assertTrustedSocket(paths.adminSocket)) && (await socketIsLive(paths.adminSocket))) {
    let response;
    try {
      response = await callAdminSocket(paths.adminSocket, request);
    } catch (error) {
      throw new UnreachableError(`The gateway on ${options.dataDir} did not answer (${error instanceof Error ? error.message : String(error)}). Check it runs: look at its log or service status.`);
    }
    if (!response.ok) throw new AdminError(response.error.code === 'not_found' ? 'not_found' : response.error.code === 'unavailable' ? 'unavailable' : 'bad_request', response.error.message);
    await checkProof(options, request, response.result, response.proof);
    return response.result;
  }
  if (options.live) throw new UnreachableError(`No gateway is running on ${options.dataDir} (nothing answers on its admin socket), so there are no live connections to show. Start it with "airlock-gateway serve", or check --data.`);
  // Loaded here, not at start: a command answered by the running gateway needs none of this.
  const [{ pinOfCertificatePem }, { readRecordedOrigin }, { openStore, resolveStoreTarget, isPostgresStore }, { createAdminOperations }, { loadPolicyFile }, { systemClock }, { readPublicOrigin }, { originWhenStopped }] = await Promise.all([
    import('../tls/certificates.js'),
    import('../server/origin-file.js'),
    import('../cluster/open-store.js'),
    import('../admin/operations.js'),
    import('../policy/holder.js'),
    import('../context.js'),
    import('../origin/origin-config.js'),
    import('../origin/public-origin.js'),
  ]);
  const { readNextPin } = await import('../tls/ca-rotation.js');
  const pin = await pinOfCertificatePem(await readFile(paths.caCert, 'utf8'));
  const recorded = options.origin ?? originWhenStopped(await readPublicOrigin(paths.dir), await readRecordedOrigin(paths.dir));
  const target = await resolveStoreTarget(paths.dir, options.store);
  let store;
  try {
    store = await openStore(target);
  } catch (error) {
    if (isConnectionError(error)) throw new UnreachableError(`The store cannot be reached (${error instanceof Error ? error.message : String(error)}). Check the database runs and --store / DATA/store.url.`);
    throw error;
  }
  const opened = store;
  try {
    // No gateway: this process acts on the store itself, as the user running it.
    return await createAdminOperations({ store, clock: systemClock, origin: () => recorded, pin, backupPin: () => readNextPin(paths.dir), loadPolicy: () => loadPolicyFile(paths.policy), traceKey: async () => (await import('../tracing/trace-key-check.js')).loadStoreTraceKey(opened, { keyPath: paths.traceKey, sharedStore: isPostgresStore(opened) }) })(request, invokingIdentity());
  } finally {
    await store.close();
  }
}

/** Whether there is an admin socket to speak to; refuses one that is not a socket or that another user owns. */
async function assertTrustedSocket(path: string): Promise<boolean> {
  let info;
  try {
    info = await lstat(path);
  } catch {
    return false;
  }
  if (!info.isSocket()) throw new DataDirError(`${path} is not a socket. Stop whatever made it, remove it, and start the gateway again.`);
  const refusal = ownerRefusal(path, info);
  if (refusal) throw new DataDirError(`The admin socket ${refusal.slice(path.length + 1)} Nothing was sent to it.`);
  return true;
}

/**
 * A state-changing answer must point at the audit entry recording the action, and that entry must
 * be in the store, naming this command: otherwise something other than the gateway answered.
 */
async function checkProof(options: AdminCallOptions, request: AdminRequest, result: unknown, proof: AdminProof | undefined): Promise<void> {
  if (!expectedAuditOf(request, result)) return;
  const { openStore, resolveStoreTarget } = await import('../cluster/open-store.js');
  const store = await openStore(await resolveStoreTarget(options.dataDir, options.store));
  let problem: string | null;
  try {
    problem = await proofProblem(store, request, result, proof);
  } finally {
    await store.close();
  }
  if (problem) throw new UnreachableError(`The admin socket answered, but ${problem}: something other than the gateway may be answering on it. Do not rely on this command having taken effect; check the gateway's log and "airlock-gateway audit tail".`);
}

function isConnectionError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return typeof code === 'string' && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', '57P03'].includes(code);
}
