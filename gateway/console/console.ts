/**
 * The admin console, as the gateway's composition root sees it: `startConsole` opens the listener;
 * `adminOps` adds the `console.link` operation to the admin socket (the CLI's
 * `airlock-gateway console`) and notes every `audit verify` result for the overview.
 */
import type { FastifyInstance } from 'fastify';
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import type { ConsoleVerify } from '../../protocol/schemas/console.js';
import { identityOf, type AdminActor, type AdminOperations } from '../admin/operations.js';
import { actorOf, adminDetails, type AdminIdentity } from '../admin/identity.js';
import type { Clock } from '../context.js';
import type { ConnectionHub } from '../live/connection-hub.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { createConsoleApi, type RunAdmin } from './api.js';
import { checkConsoleListen, type ConsoleListen } from './listen-address.js';
import { changeOf } from './feed-changes.js';
import { createLiveFeed, type FeedTimings } from './live-feed.js';
import type { ConsoleAddress } from './request-guard.js';
import { createFirstPaint } from './first-paint.js';
import { buildConsoleServer } from './server.js';
import { createConsoleSessions, DEFAULT_SESSION_LIMITS, type SessionLimits } from './sessions.js';

export interface ConsoleDeps {
  listen: ConsoleListen;
  /** The testers' listener: the console refuses to share its port. */
  testers: { host: string; port: number };
  /** The gateway's public host name: a remote console answers to it as well (its certificate names it). */
  publicHost?: string;
  tls: { cert: string; key: string };
  store: Store;
  hub: ConnectionHub;
  clock: Clock;
  log: Logger;
  run: RunAdmin;
  policySource: string;
  assetsDir: string;
  sessionLimits?: Partial<SessionLimits>;
  feedTimings?: Partial<FeedTimings>;
}

export interface RunningConsole {
  /** The console's base URL, e.g. http://127.0.0.1:8444 */
  url: string;
  /** A one-time login link for `osUser` (60 s, single use). */
  loginLink(osUser: string): { link: string; expiresAt: string };
  /** The admin socket's operations plus `console.link`; `audit verify` results are noted for the overview. */
  adminOps(run: AdminOperations): AdminOperations;
  app: FastifyInstance;
  close(): Promise<void>;
}

interface VerifyResult {
  ok: boolean;
  entries: number;
  firstBad: number | null;
  reason?: string | null;
  head: { seq: number; hash: string } | null;
}

/** The name a console session acts under: the OS user, and the human behind sudo when known. */
function osUserOf(who: AdminIdentity | AdminActor): string {
  if ('osUser' in who) return who.osUser;
  return who.sudoUser ? `${who.user}(sudo:${who.sudoUser})` : who.user;
}

export async function startConsole(deps: ConsoleDeps): Promise<RunningConsole> {
  checkConsoleListen(deps.listen, deps.testers);
  const remote = deps.listen.allowRemote && !['127.0.0.1', '::1', 'localhost'].includes(deps.listen.host);
  let lastVerify: ConsoleVerify | null = null;
  const noteVerify = (result: unknown) => {
    const r = result as VerifyResult;
    lastVerify = { at: new Date(deps.clock.nowMs()).toISOString(), ok: r.ok, entries: r.entries, firstBad: r.firstBad, reason: r.reason ?? null, head: r.head ? `${r.head.seq}:${r.head.hash}` : null };
  };
  const sessions = createConsoleSessions(() => deps.clock.nowMs(), { ...DEFAULT_SESSION_LIMITS, ...deps.sessionLimits });
  const feed = createLiveFeed(
    {
      counts: () => ({ connectedDevices: deps.hub.tracked().devices, openStreams: deps.hub.count({ kind: 'stream' }), openChannels: deps.hub.count({ kind: 'events' }) }),
      connectionsOf: (id) => ({ channels: deps.hub.count({ deviceId: id, kind: 'events' }), streams: deps.hub.count({ deviceId: id, kind: 'stream' }) }),
      auditHead: async () => (await deps.store.auditTail(1))[0]?.seq ?? 0,
      sessionAlive: (id) => sessions.get(id, { touch: false }) !== null,
    },
    deps.feedTimings,
  );
  const unwatch = deps.hub.watch((deviceId) => feed.connectionsChanged(deviceId));
  // Every operation, from the CLI or the console, passes here: what it changed is pushed to open pages as it returns.
  const observed = <A extends unknown[]>(run: (request: AdminRequest, ...rest: A) => Promise<unknown>) =>
    async (request: AdminRequest, ...rest: A): Promise<unknown> => {
      const result = await run(request, ...rest);
      if (request.op === 'audit.verify') noteVerify(result);
      const change = changeOf(request, result);
      if (change) feed.publish(change);
      return result;
    };

  const api = createConsoleApi({
    run: observed(deps.run),
    store: deps.store,
    hub: deps.hub,
    clock: deps.clock,
    policySource: deps.policySource,
    lastVerify: () => lastVerify,
  });
  // The port is known only after listening (port 0): the guard reads the address then.
  const address: ConsoleAddress = { scheme: remote ? 'https' : 'http', host: deps.listen.host, port: deps.listen.port, ...(remote && deps.publicHost ? { names: [deps.publicHost] } : {}) };
  const audit = async (event: 'login' | 'logout', osUser: string) => {
    const identity = identityOf({ osUser, via: 'console' });
    await deps.store.appendAudit({ type: `admin.console.${event}`, actor: actorOf(identity), subject: 'console', details: adminDetails(identity) });
  };
  const firstPaint = createFirstPaint(deps.assetsDir, deps.log);
  const app = await buildConsoleServer({ address, ...(remote ? { tls: deps.tls } : {}), sessions, api, feed, assetsDir: deps.assetsDir, firstPaint, log: deps.log, audit });
  const bound = new URL(await app.listen({ host: deps.listen.host, port: deps.listen.port }));
  address.port = Number(bound.port);
  const host = remote && deps.publicHost ? deps.publicHost : deps.listen.host;
  const url = `${address.scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  deps.log.info('admin console listening', { url });

  const loginLink = (osUser: string) => {
    const { secret, expiresAt } = sessions.issueLink(osUser);
    return { link: `${url}/#login=${secret}`, expiresAt };
  };
  return {
    url,
    loginLink,
    adminOps(run) {
      const inner = observed(run);
      // The link's session acts as the OS user who asked for it over the admin socket (its peer).
      // The rest (the admin's identity, issue 13) passes through to the operations.
      return async (request, ...rest) => (request.op === 'console.link' ? loginLink(osUserOf(rest[0])) : inner(request, ...rest));
    },
    app,
    async close() {
      unwatch();
      feed.stop();
      await app.close();
    },
  };
}
