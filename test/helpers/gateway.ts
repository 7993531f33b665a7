/**
 * A REAL gateway process for integration tests and benchmarks: its own data directory in a temp
 * folder (made with `init`: its own CA and keys), `serve` on 127.0.0.1 port 0 with real TLS, the
 * admin CLI and the admin socket. Pair it with test/helpers/pinned-client.ts, which trusts only
 * this gateway's CA and checks its pin.
 *
 *   const gw = await startGateway({ policy: { refuseDebugger: true } });
 *   const link = await gw.invite('tester@example.com');           // via the admin socket (fast)
 *   const device = await gw.enrolledDevice('a@example.com');       // enrolled, with a session
 *   const { code, stdout } = await gw.cli(['device', 'list', '--json']);  // the real CLI
 *   await gw.stop();                                               // SIGTERM, waits for exit
 *
 * The unauthenticated rate limit defaults to 100,000 a minute here so suites can enroll many
 * devices from one address; pass `args: ['--unauth-rate-limit', '5']` to test the limiter. The
 * refusals an address may collect a minute (gateway/refusals/) default to a million here too; set
 * `env: { AIRLOCK_REFUSALS_PER_MINUTE: '60' }` to test that limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import type { PolicyInput } from '../../protocol/schemas/policy.js';
import type { z } from 'zod';
import type { upstreamsFile } from '../../gateway/model/upstream-config.js';
import { callAdminSocket } from '../../gateway/admin/socket-client.js';
import { initDataDir } from '../../gateway/init/init.js';
import { createTestDevice, GatewayClient, type TestDevice } from './pinned-client.js';

export const GATEWAY_BIN = fileURLToPath(new URL('../../bin/airlock-gateway.mjs', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (run with --json). */
  json<T = unknown>(): T;
}

export interface StartGatewayOptions {
  /** Reuse a data directory (e.g. to restart a killed gateway); made and initialised when absent. */
  dataDir?: string;
  /** `demo` (default) or the URL of an OpenAI-compatible server. */
  upstream?: string;
  /** Merged into DATA/policy.json before the gateway starts. */
  policy?: PolicyInput;
  /** Written as DATA/upstreams.json before the gateway starts (it then takes precedence over `upstream`). */
  upstreams?: z.input<typeof upstreamsFile>;
  env?: Record<string, string>;
  /** Extra `serve` arguments. */
  args?: string[];
  /** How long `serve` may take to print its first line (default 45 s); a bench on a busy machine may need more. */
  startTimeoutMs?: number;
  /** `--store`: a `postgres://` URL to share one store between instances (default: SQLite in the data dir). */
  store?: string;
  /** Options for node itself, before the script (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  /** The gateway's bin script (default: this checkout's); a bench runs another checkout's beside it. */
  bin?: string;
}

export interface TestGateway {
  /** The public origin (`--origin` when given): token iss/aud, the base of every `htu`. */
  url: string;
  /** The address actually listened on (differs from `url` when `--origin` is given). */
  listenUrl: string;
  /** The model ids `serve` said it offers. */
  models: string[];
  pin: string;
  /** `http://127.0.0.1:PORT/metrics` when started with `--metrics-listen`, else undefined. */
  metricsUrl: string | undefined;
  caPem: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the gateway wrote to stderr so far (its JSON log). */
  stderr(): string;
  /** Runs `airlock-gateway ARGS --data DATA_DIR` as a separate process. */
  cli(args: string[]): Promise<CliResult>;
  /** One admin command over the admin socket, as the CLI would send it; throws on `ok: false`. */
  admin<T = unknown>(request: AdminRequest): Promise<T>;
  /** A fresh invite link (over the admin socket). */
  invite(email: string, options?: { devices?: number; expiresInSeconds?: number }): Promise<string>;
  /** A pinned client for this gateway (closed by `stop`). */
  client(options?: { connections?: number }): GatewayClient;
  /** A new test device, enrolled with a fresh invite for `email` and holding a session; over `client`, else a new one. */
  enrolledDevice(email: string, client?: GatewayClient): Promise<TestDevice>;
  /** SIGTERM, then waits for the exit; removes the temp data dir unless it was given. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** Sends a signal (e.g. SIGKILL) and waits for the process to exit; keeps the data dir. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function runCli(args: string[], env?: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATEWAY_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<TestGateway> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? join(await mkdtemp(join(tmpdir(), 'airlock-gw-')), 'data');
  if (!existsSync(join(dataDir, 'ca.pem'))) await initDataDir(dataDir);
  if (options.policy) {
    const path = join(dataDir, 'policy.json');
    const current = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, `${JSON.stringify({ ...current, ...options.policy }, null, 2)}\n`, { mode: 0o600 });
  }
  if (options.upstreams) await writeFile(join(dataDir, 'upstreams.json'), JSON.stringify(options.upstreams), { mode: 0o600 });
  const args = options.args ?? [];
  const serveArgs = ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--json', '--upstream', options.upstream ?? 'demo', '--log-level', 'warn'];
  if (!args.includes('--unauth-rate-limit')) serveArgs.push('--unauth-rate-limit', '100000');
  if (options.store !== undefined) serveArgs.push('--store', options.store);
  // Suites refuse many requests on purpose from one address: the refusal limiter is tested on its own.
  const env = { AIRLOCK_REFUSALS_PER_MINUTE: '1000000', ...process.env, ...options.env };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.bin ?? GATEWAY_BIN, ...serveArgs, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));

  const first = await new Promise<{ url: string; pin: string; listen?: string; models?: string[]; metrics?: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    // 45 s by default: a loaded 2-core machine has taken over 20 s to start one (hooks allow 60 s). A
    // gateway that has not started by then is killed, never left running behind a failed test.
    const limitMs = options.startTimeoutMs ?? 45_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start in ${limitMs / 1000} s:
${stderr}`));
    }, limitMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as { url: string; pin: string; listen?: string; models?: string[]; metrics?: string });
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`gateway printed ${line}\n${stderr}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });

  const caPem = await readFile(join(dataDir, 'ca.pem'), 'utf8');
  const clients: GatewayClient[] = [];
  const socket = join(dataDir, 'admin.sock');

  const gateway: TestGateway = {
    url: first.url,
    listenUrl: first.listen ?? first.url,
    models: first.models ?? [],
    pin: first.pin,
    metricsUrl: first.metrics,
    caPem,
    dataDir,
    process: child,
    stderr: () => stderr,
    // The CLI finds the same store as the gateway: --store for commands run without the gateway.
    cli: (cliArgs) => runCli([...cliArgs, '--data', dataDir, ...(options.store !== undefined && !cliArgs.includes('--store') ? ['--store', options.store] : [])], options.env),
    async admin<T>(request: AdminRequest) {
      const response = await callAdminSocket(socket, request);
      if (!response.ok) throw new Error(`admin ${request.op}: ${response.error.code}: ${response.error.message}`);
      return response.result as T;
    },
    async invite(email, opts = {}) {
      const created = await gateway.admin<{ link: string }>({ op: 'invite.create', email, devices: opts.devices ?? 1, expiresInSeconds: opts.expiresInSeconds ?? 3600 });
      return created.link;
    },
    client(opts = {}) {
      const client = new GatewayClient({ origin: first.url, caPem, pins: [first.pin], ...opts });
      clients.push(client);
      return client;
    },
    async enrolledDevice(email, client = gateway.client()) {
      const device = await createTestDevice(client);
      await device.enroll(await gateway.invite(email));
      await device.session();
      return device;
    },
    async stop(opts = {}) {
      await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited(child);
        clearTimeout(timer);
      }
      if (ownDir && !opts.keepData) await rm(join(dataDir, '..'), { recursive: true, force: true });
    },
    async kill(signal = 'SIGKILL') {
      const closeClients = () => Promise.all(clients.splice(0).map((c) => c.destroy().catch(() => undefined)));
      // SIGKILL cuts the gateway off under its clients' live calls, as a crash does: closing them
      // first would let a call end (cancelled, its end entry written) before the kill on a loaded machine.
      if (signal !== 'SIGKILL') await closeClients();
      child.kill(signal);
      await exited(child);
      if (signal === 'SIGKILL') await closeClients();
    },
  };
  return gateway;
}
