import type { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import { createConnectionHub } from '../live/connection-hub.js';
import { buildApp } from '../app.js';
import { createAdminOperations } from '../admin/operations.js';
import { socketIsLive, startAdminSocket } from '../admin/socket-server.js';
import { proofOf } from '../admin/action-proof.js';
import { markInterruptedCalls } from '../model/call-recovery.js';
import { createAuditLog } from '../audit/audit-log.js';
import { createDeviceDirectory } from '../auth/device-directory.js';
import { invokingIdentity } from '../admin/identity.js';
import { createLockRegistry } from '../locks/lock-registry.js';
import { pollLocks } from '../locks/lock-poller.js';

/** How often an instance on a shared store reads the locks (another instance may have made one). */
const LOCK_POLL_MS = 2_000;
import { createMemoryReplayGuard } from '../auth/replay-guard.js';
import { nonceKeyForThisRun } from '../auth/nonce-key.js';
import { createAnswerTracer, type AnswerTracer } from '../tracing/answer-tracer.js';
import { loadStoreTraceKey } from '../tracing/trace-key-check.js';
import { createTpmAttestation } from '../tpm-attestation/tpm-attestation.js';
import { LEAK_TRACING_ENV, leakTracingOn } from '../tracing/tracing-switch.js';
import { dataPaths, loadSecrets } from '../config/data-dir.js';
import { createSecurity, systemClock, type GatewayConfig, type GatewayContext, type UpstreamConfig } from '../context.js';
import { recordOrigin } from './origin-file.js';
import { createTlsReloader, withTlsReload } from '../tls/reload.js';
import { readNextPin } from '../tls/ca-rotation.js';
import { modelsToOffer } from '../model/discovery.js';
import { readPublicOrigin } from '../origin/origin-config.js';
import { decidePublicOrigin, PublicOriginError, type PublicOriginSetting } from '../origin/public-origin.js';
import { messageFirst, type Logger, type LogFormat, type LogLevel } from '../log.js';
import { createGatewayLogger } from '../logging/logger.js';
import type { MetricsListener } from '../metrics/listener.js';
import { createPolicyHolder, loadPolicyFile } from '../policy/holder.js';
import { createGatewayCluster, type GatewayCluster } from '../cluster/attach.js';
import { withClusterFanOut } from '../cluster/admin-fanout.js';
import { isPostgresStore, openStore } from '../cluster/open-store.js';
import { certificateNames, certificateNamesHost, pinOfCertificatePem } from '../tls/certificates.js';
import { startConsole, type RunningConsole } from '../console/console.js';
import { consoleAssets } from '../console/assets.js';
import type { ConsoleListen } from '../console/listen-address.js';
import type { WorkerRole } from '../workers/worker-role.js';
import { withWorkerAdminFanOut, withWorkerFanOut } from '../workers/fan-out.js';
import { announcePoolThreads, announceThread } from './thread-roles.js';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  /** When the port is taken, listen on any free port instead (dev). */
  anyPortIfTaken?: boolean;
  upstream: UpstreamConfig;
  models?: string[];
  /** This run's public origin (`--public-origin`), over the configured one (DATA/gateway.json). */
  publicOrigin?: PublicOriginSetting;
  unauthRateLimitPerMinute?: number;
  logLevel?: LogLevel;
  /** `json` (one object a line, the default) or `pretty` (for a terminal). */
  logFormat?: LogFormat;
  /** A `postgres://` URL to share one store with other instances; default: SQLite in the data dir. */
  store?: string;
  /** `--console-listen`: the admin console's own listener (gateway/console/); off when absent. */
  console?: { listen: ConsoleListen; assetsDir?: string };
  /** Where to serve Prometheus metrics (plain HTTP, its own port); none when absent. */
  metrics?: { host: string; port: number };
  /** One of the processes of `serve --workers N` (gateway/workers/): what it shares with the others. */
  worker?: WorkerRole;
}

export interface RunningGateway {
  /** The public origin (invites, token iss/aud, DPoP htu). */
  url: string;
  /** Where it came from: this run's flag, DATA/gateway.json, or the loopback listen address. */
  originSource: string;
  /** The model ids offered, and where they came from (DATA/upstreams.json, the demo, the upstream's GET /v1/models). */
  models: { offered: string[]; from: string };
  pin: string;
  /** `http://HOST:PORT/metrics` when metrics are on, else null. */
  metricsUrl: string | null;
  ctx: GatewayContext;
  app: FastifyInstance;
  /** Runs an admin command in this gateway, as its admin socket would. */
  admin(request: AdminRequest): Promise<unknown>;
  /** The admin console's base URL, when it runs. */
  consoleUrl: string | null;
  close(): Promise<void>;
}

/**
 * The public origin this run serves at, before anything listens: refused when the listen address
 * is reachable from other machines and no origin is set, or when the server certificate does not
 * name the origin's host (the apps would refuse it).
 */
async function publicOriginFor(options: ServeOptions, serverCertPem: string): Promise<(port: number) => { origin: string; source: string }> {
  const configured = await readPublicOrigin(options.dataDir);
  const decide = (port: number) => decidePublicOrigin({ flag: options.publicOrigin, configured, listenHost: options.host, listenPort: port });
  const { origin } = decide(options.port);
  const host = new URL(origin).hostname.replace(/^\[|\]$/g, '');
  if (!certificateNamesHost(serverCertPem, host)) {
    throw new PublicOriginError(`The server certificate does not name ${host} (it names ${certificateNames(serverCertPem).join(', ')}), so apps would refuse the connection. Run "airlock-gateway cert renew --name ${host}" and start again.`);
  }
  return decide;
}

/** Starts a gateway: checks the data directory, loads keys and policy, listens, opens the admin socket. */
export async function serveGateway(options: ServeOptions): Promise<RunningGateway> {
  announceThread('main');
  announcePoolThreads();
  const pino = createGatewayLogger({ level: options.logLevel ?? 'info', format: options.logFormat ?? 'json' });
  const log: Logger = messageFirst(pino);
  const paths = dataPaths(options.dataDir);
  const secrets = await loadSecrets(paths);
  const worker = options.worker;
  // Only the lead worker answers the admin socket; the primary checked that no other gateway does.
  const lead = !worker || worker.link.index === 1;
  if (!worker && (await socketIsLive(paths.adminSocket))) throw new Error(`Another gateway is already running on ${paths.dir} (its admin socket answers).`);
  const policy = await createPolicyHolder(paths.policy);
  const pin = await pinOfCertificatePem(secrets.caCertPem);
  const originAt = await publicOriginFor(options, secrets.tls.cert);
  const models = await modelsToOffer(options.dataDir, options.upstream, options.models);
  if (models.skipped.length) log.warn('upstream models not offered: their ids hold characters a model id may not', { skipped: models.skipped.slice(0, 20) });
  const clock = systemClock;
  const config: GatewayConfig = {
    paths,
    origin: '',
    listen: { host: options.host, port: options.port },
    upstream: options.upstream,
    models: models.offered,
    unauthRateLimit: { max: options.unauthRateLimitPerMinute ?? 120, windowMs: 60_000 },
    bodyLimit: 64 * 1024,
    nonceLifetime: 300,
    challengeLifetime: 120,
    iatWindow: 60,
  };

  // prom-client is loaded only when metrics are asked for.
  const metrics = options.metrics ? (await import('../metrics/gateway-metrics.js')).createGatewayMetrics() : undefined;
  const opened = await openStore(options.store ?? paths.dir, { log: (line) => log.warn(line) });
  const counted = metrics?.store(opened) ?? opened;
  // Several worker processes: revocations and suspensions reach every worker before they are reported done.
  const store = worker ? withWorkerFanOut(counted, worker.link.fanOut) : counted;
  let metricsListener: MetricsListener | undefined;
  let cluster: GatewayCluster | undefined;
  let lockPoller: { stop(): void } | undefined;
  let app: FastifyInstance | undefined;
  let admin: Server | undefined;
  let adminConsole: RunningConsole | undefined;
  let tracer: AnswerTracer | undefined;
  try {
    // Before anything is served: calls a crash cut off are marked in the audit log (model/call-recovery.ts).
    // (Several workers: the primary did this once, before any of them served.)
    if (!isPostgresStore(store) && !worker) {
      const interrupted = await markInterruptedCalls(store, clock.nowMs());
      if (interrupted > 0) log.warn('model calls that never ended (the gateway stopped under them) were marked interrupted in the audit log', { count: interrupted });
    }
    const hub = createConnectionHub();
    metrics?.liveConnections(hub);
    const devices = createDeviceDirectory(store);
    const locks = createLockRegistry(store);
    await locks.reload();
    // Several instances: locks made through another one reach this one within LOCK_POLL_MS.
    lockPoller = isPostgresStore(store) || worker ? pollLocks({ locks, hub, nowMs: () => clock.nowMs(), everyMs: LOCK_POLL_MS, onError: (error) => log.warn('could not read the locks; will retry', { error: error instanceof Error ? error.message : String(error) }) }) : undefined;
    // Several instances: revocations fan out, DPoP proofs are single-use across them, and this
    // instance refuses authenticated requests whenever it may have missed a revocation.
    cluster = isPostgresStore(store) ? createGatewayCluster({ store, hub, devices, reloadPolicy: () => policy.reload(), log: (line) => log.warn(line) }) : undefined;
    await cluster?.start();
    const replay = cluster?.replay ?? worker?.replay.guard ?? createMemoryReplayGuard(() => clock.nowSeconds());
    const nonceKey = worker?.link.nonceKey ?? nonceKeyForThisRun(secrets.nonceSecret, cluster !== undefined);
    const security = await createSecurity(secrets, pin, config, clock, { replay, devices, nonceKey, locks });
    // Leak tracing (gateway/tracing/): answers fingerprinted after their calls, under DATA/trace.key.
    // One key per store: a gateway holding another instance's key refuses to start (trace-key-check.ts).
    const traceKey = await loadStoreTraceKey(store, { keyPath: paths.traceKey, sharedStore: isPostgresStore(store) });
    tracer = createAnswerTracer({
      // The worker thread writes through its own connection: to the SQLite file, or a pool of one.
      sink: isPostgresStore(store) ? { kind: 'postgres', connection: store.connection } : { kind: 'sqlite', path: paths.traceDatabase },
      key: traceKey,
      retentionDays: () => policy.current().traceRetentionDays,
      nowMs: () => clock.nowMs(),
      warn: (message, details) => log.warn(message, details),
    });
    // TPM-bound keys (gateway/tpm-attestation/): activations sealed under a key derived from the
    // nonce key (shared by every instance on PostgreSQL; new at each start of a lone gateway, whose
    // replay memory does not survive a restart either), single-use through the replay guard.
    const tpm = createTpmAttestation({ secret: nonceKey, replay, lifetime: config.challengeLifetime });
    // Off, answers are not handed to the tracer; it still deletes expired fingerprints.
    const tracing = leakTracingOn();
    if (!tracing) log.warn(`leak tracing is off (${LEAK_TRACING_ENV}=off): answers are not fingerprinted`);
    const ctx: GatewayContext = { config, store, policy, hub, audit: metrics?.audit(createAuditLog(store, log)) ?? createAuditLog(store, log), clock, log, security, ...(tracing ? { tracer } : {}), tpm };

    app = await buildApp(ctx, { logger: pino, observe: metrics ? [metrics.requests] : [] });
    let address: string;
    try {
      address = await app.listen({ host: options.host, port: options.port });
    } catch (error) {
      if (!options.anyPortIfTaken || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      address = await app.listen({ host: options.host, port: 0 });
    }
    const port = Number(new URL(address).port);
    config.listen.port = port;
    const publicOrigin = originAt(port);
    config.origin = publicOrigin.origin;
    await recordOrigin(paths.dir, config.origin);

    const local = createAdminOperations({
      store,
      clock,
      origin: () => config.origin,
      pin,
      backupPin: () => readNextPin(paths.dir),
      live: { hub, devices, policy, locks },
      loadPolicy: () => loadPolicyFile(paths.policy),
      traceKey: async () => traceKey,
    });
    const reloadTls = createTlsReloader(app.server, paths);
    const withTls = withTlsReload(isPostgresStore(store) ? withClusterFanOut(local, store) : local, reloadTls);
    const operations = worker ? withWorkerAdminFanOut(withTls, worker.link.fanOut) : withTls;
    const run = metrics?.admin(operations) ?? operations;
    // Changes made through another worker, applied here before that worker reports them done.
    worker?.link.onEvent(async (event) => {
      switch (event.kind) {
        case 'device.revoked':
          devices.markDeviceRevoked(event.deviceId);
          hub.cutDevice(event.deviceId, event.reason);
          return;
        case 'tester.suspended':
          devices.markTesterSuspended(event.tester, []);
          hub.cutTester(event.tester, event.reason);
          return;
        case 'tester.resumed':
          devices.markTesterResumed(event.tester);
          return;
        case 'policy.changed':
          await policy.reload();
          return;
        case 'tls.reload':
          await reloadTls();
          return;
      }
    });
    if (options.console && lead) {
      adminConsole = await startConsole({
        listen: options.console.listen,
        testers: { host: options.host, port },
        publicHost: new URL(config.origin).hostname.replace(/^\[|\]$/g, ''),
        tls: secrets.tls,
        store,
        hub,
        clock,
        log,
        run,
        policySource: paths.policy,
        assetsDir: options.console.assetsDir ?? consoleAssets(log),
      });
    }
    const socketOps = adminConsole ? adminConsole.adminOps(run) : run;
    if (lead) admin = await startAdminSocket(paths.adminSocket, socketOps, log, (request, result) => proofOf(store, request, result));
    if (metrics && options.metrics && lead) {
      metricsListener = await metrics.listen(options.metrics);
      log.info('metrics listening', { url: metricsListener.url });
    }
    // Through the deferred path, as model calls: its WAL descriptor is opened now, not under the first call.
    await store.appendAuditDeferred({ type: 'gateway.start', actor: 'gateway', subject: config.origin, details: { upstream: options.upstream.kind } });
    log.info('gateway listening', { url: config.origin, originFrom: publicOrigin.source, models: models.offered, listen: address, upstream: options.upstream.kind === 'demo' ? 'demo' : 'url' });

    const started = app;
    const socket: Server | undefined = admin;
    const scrape = metricsListener;
    let closing: Promise<void> | undefined;
    return {
      url: config.origin,
      originSource: publicOrigin.source,
      models: { offered: models.offered, from: models.from },
      pin,
      metricsUrl: scrape?.url ?? null,
      ctx,
      app: started,
      // In-process callers (`dev`'s invite) act as the user running the gateway.
      admin: (request) => socketOps(request, invokingIdentity()),
      consoleUrl: adminConsole?.url ?? null,
      close() {
        closing ??= (async () => {
          if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
          await adminConsole?.close();
          await scrape?.close();
          await started.close();
          lockPoller?.stop();
          await cluster?.stop();
          await tracer?.close();
          await store.close();
          worker?.replay.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    admin?.close();
    await adminConsole?.close().catch(() => undefined);
    await metricsListener?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    lockPoller?.stop();
    await cluster?.stop().catch(() => undefined);
    await tracer?.close().catch(() => undefined);
    await store.close();
    throw error;
  }
}
