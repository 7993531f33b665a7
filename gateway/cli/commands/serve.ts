import cluster from 'node:cluster';
import type { RunningGateway } from '../../server/serve.js';
import { str, type CliCommand } from '../command.js';
import { LOG_LEVELS } from '../../logging/levels.js';
import { metricsBindRefusal } from '../../metrics/listen-address.js';
import { count, flag, listen, logFormat, logLevel, publicOriginFlag, upstream } from '../options.js';
import { checkConsoleListen, ConsoleListenError } from '../../console/listen-address.js';
import { UsageError } from '../usage-error.js';

export async function serveUntilSignalled(gateway: RunningGateway): Promise<void> {
  await new Promise<void>((done) => {
    const stop = () => {
      gateway.close().then(done, done);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

function listenUrl(at: { host: string; port: number }): string {
  return `https://${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`;
}

const ORIGIN_SOURCES: Record<string, string> = { flag: '--public-origin', configuration: 'DATA/gateway.json', loopback: 'the loopback listen address' };

const MODEL_SOURCES: Record<string, string> = { upstream: "the upstream's GET /v1/models", 'upstreams.json': 'DATA/upstreams.json', demo: 'the built-in demo' };

/** `--metrics-listen` checked: loopback unless `--metrics-allow-remote` says otherwise. */
function metricsAddress(value: string | undefined, allowRemote: boolean): { host: string; port: number } | undefined {
  if (value === undefined) {
    if (allowRemote) throw new UsageError('--metrics-allow-remote needs --metrics-listen HOST:PORT', undefined, 'serve');
    return undefined;
  }
  const at = flag('metrics-listen', listen, value);
  const refusal = metricsBindRefusal(at.host, allowRemote);
  if (refusal) throw new UsageError(refusal, undefined, 'serve');
  return at;
}

/** `auto`: human lines when the log (stderr) is a terminal, JSON lines otherwise (a file, journald, a pipe). */
export function logFormatFor(chosen: 'auto' | 'json' | 'pretty'): 'json' | 'pretty' {
  if (chosen !== 'auto') return chosen;
  return process.stderr.isTTY ? 'pretty' : 'json';
}

export const serve: CliCommand = {
  name: 'serve',
  summary: 'run the gateway (first stdout line: {"url","pin"} with --json)',
  description: 'Listens with TLS on --listen and answers admin commands on DATA/admin.sock until SIGTERM or SIGINT.',
  options: {
    listen: { type: 'string', value: 'HOST:PORT', help: 'address to listen on (default 127.0.0.1:8443; port 0 = any free port)' },
    upstream: { type: 'string', value: 'demo|URL', help: 'the OpenAI-compatible model server, or "demo" (default)' },
    'public-origin': { type: 'string', value: 'URL|HOST', help: 'the public origin testers reach, for this run (default: DATA/gateway.json; needed on a non-loopback --listen)' },
    origin: { type: 'string', aliasOf: 'public-origin', help: '' },
    model: { type: 'string', multiple: true, value: 'ID', help: 'offer only this model of those the upstream lists (repeat for more; default: every model it lists)' },
    'unauth-rate-limit': { type: 'string', value: 'N', help: 'unauthenticated requests a minute per address' },
    'log-level': { type: 'string', value: LOG_LEVELS.join('|'), help: 'how much the gateway logs on stderr (default info: one JSON line per request)' },
    'log-format': { type: 'string', value: 'auto|json|pretty', help: 'JSON lines, or human lines (auto, the default: human when stderr is a terminal)' },
    'console-listen': { type: 'string', value: 'HOST:PORT', help: 'run the admin web console on this loopback address (e.g. 127.0.0.1:8444); open it with "airlock-gateway console"' },
    'console-allow-remote': { type: 'boolean', help: 'allow --console-listen on a non-loopback address (then HTTPS with the gateway certificate); prefer an SSH tunnel' },
    'metrics-listen': { type: 'string', value: 'HOST:PORT', help: 'serve Prometheus metrics at http://HOST:PORT/metrics, a listener of its own (off unless given; loopback only unless --metrics-allow-remote)' },
    'metrics-allow-remote': { type: 'boolean', help: 'let --metrics-listen bind an address that is not loopback (plain HTTP, no authentication: keep it behind your own network controls)' },
    workers: { type: 'string', value: 'N', help: 'serve from N processes sharing the port and the SQLite store (default 1; e.g. one per core): proofs stay single-use and revocations cut every stream in all of them' },
  },
  examples: ['serve --listen 0.0.0.0:8443 --upstream https://models.internal.example/v1'],
  async run({ values: v, dataDir, json, out }) {
    const at = flag('listen', listen, str(v.listen) ?? '127.0.0.1:8443');
    const level = flag('log-level', logLevel, str(v['log-level']) ?? 'info');
    const format = logFormatFor(flag('log-format', logFormat, str(v['log-format']) ?? 'auto'));
    const consoleAt = str(v['console-listen']) === undefined ? undefined : { ...flag('console-listen', listen, v['console-listen']), allowRemote: v['console-allow-remote'] === true };
    if (consoleAt) {
      try {
        checkConsoleListen(consoleAt, at);
      } catch (error) {
        if (error instanceof ConsoleListenError) throw new UsageError(error.message, undefined, 'serve');
        throw error;
      }
    } else if (v['console-allow-remote'] === true) throw new UsageError('--console-allow-remote goes with --console-listen HOST:PORT', undefined, 'serve');
    const metrics = metricsAddress(str(v['metrics-listen']), v['metrics-allow-remote'] === true);
    const workers = str(v.workers) === undefined ? 1 : flag('workers', count(64), v.workers);
    const [{ serveGateway }, { resolveStoreTarget, isPostgresUrl }] = await Promise.all([import('../../server/serve.js'), import('../../cluster/open-store.js')]);
    const storeTarget = await resolveStoreTarget(dataDir, str(v.store));
    if (workers > 1 && isPostgresUrl(storeTarget)) throw new UsageError('--workers shares one SQLite store between processes; with PostgreSQL run one gateway per core instead (they share the store already)', undefined, 'serve');
    // `--workers N`: this process only starts, relays and stops the N gateway processes (gateway/workers/).
    if (workers > 1 && cluster.isPrimary) {
      const [{ runPrimary }, { prepareWorkersRun }] = await Promise.all([import('../../workers/primary.js'), import('../../workers/worker-role.js')]);
      const warn = (message: string, details: Record<string, unknown> = {}): void => void process.stderr.write(`${JSON.stringify({ level: 'warn', time: Date.now(), msg: message, ...details })}\n`);
      const nonceKey = await prepareWorkersRun(dataDir, () => Date.now(), warn);
      return runPrimary({ workers, nonceKey, prepare: async () => undefined, out, log: warn });
    }
    const worker = cluster.isWorker ? await (await import('../../workers/worker-role.js')).joinWorkers(dataDir, Number(process.env.AIRLOCK_WORKER_INDEX ?? '0'), () => Math.floor(Date.now() / 1000), (line) => void process.stderr.write(`${JSON.stringify({ level: 'warn', time: Date.now(), msg: line })}\n`)) : undefined;
    const gateway = await serveGateway({
      dataDir,
      host: at.host,
      port: at.port,
      anyPortIfTaken: false,
      upstream: flag('upstream', upstream, str(v.upstream) ?? 'demo'),
      ...(v.model ? { models: v.model as string[] } : {}),
      ...(str(v['public-origin']) ? { publicOrigin: flag('public-origin', publicOriginFlag, v['public-origin']) } : {}),
      ...(str(v['unauth-rate-limit']) ? { unauthRateLimitPerMinute: flag('unauth-rate-limit', count(1_000_000), v['unauth-rate-limit']) } : {}),
      store: storeTarget,
      logLevel: level,
      logFormat: format,
      ...(consoleAt ? { console: { listen: consoleAt } } : {}),
      ...(metrics ? { metrics } : {}),
      ...(worker ? { worker } : {}),
    });
    // `listen`: the address actually bound, which differs from `url`, the public origin (docs/PROTOCOL-CHANGES.md).
    const listening = listenUrl(gateway.ctx.config.listen);
    const consoleLine = gateway.consoleUrl ? `\nadmin console: ${gateway.consoleUrl} (open it with "airlock-gateway console")` : '';
    const models = `models offered (${MODEL_SOURCES[gateway.models.from] ?? gateway.models.from}): ${gateway.models.offered.join(', ')}`;
    const line = json
      ? JSON.stringify({ url: gateway.url, pin: gateway.pin, listen: listening, models: gateway.models.offered, ...(gateway.consoleUrl ? { console: gateway.consoleUrl } : {}), ...(gateway.metricsUrl ? { metrics: gateway.metricsUrl } : {}) })
      : `Airlock gateway at ${gateway.url} (public origin, from ${ORIGIN_SOURCES[gateway.originSource] ?? gateway.originSource}); listening on ${listening}\npin: ${gateway.pin}\n${models}${gateway.ctx.config.upstream.kind === 'demo' ? '\nupstream: built-in DEMO model (canned answers, not a real model)' : ''}${consoleLine}${gateway.metricsUrl ? `\nmetrics: ${gateway.metricsUrl}` : ''}`;
    // A worker's line goes to the primary, which prints the lead's once every worker listens.
    if (worker) {
      worker.link.onPrimaryGone(() => {
        // Without its primary nobody can stop it: close, and exit in any case soon after.
        setTimeout(() => process.exit(1), 5_000).unref();
        void gateway.close().finally(() => process.exit(1));
      });
      worker.link.listening(line);
    } else out(line);
    await serveUntilSignalled(gateway);
    // A worker's IPC channel to its primary would keep this process alive.
    if (worker) process.disconnect?.();
    return 0;
  },
};

