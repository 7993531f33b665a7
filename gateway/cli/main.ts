import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import { AdminError } from '../admin/operations.js';
import { callAdminSocket } from '../admin/socket-client.js';
import { socketIsLive } from '../admin/socket-server.js';
import { assertPrivate, dataPaths, DataDirError } from '../config/data-dir.js';
import { PolicyFileError } from '../policy/holder.js';
import type { RunningGateway } from '../server/serve.js';
import { keyValues, table } from './format.js';
import { auditAnchor, count, duration, email, flag, hostName, listen, origin, upstream, UsageError } from './options.js';

const USAGE = `Usage: airlock-gateway <command> [options] [--data DIR] [--json]

  init [--name HOST]...                      create the CA, server certificate, keys and policy
  serve [--listen HOST:PORT] [--upstream demo|URL] [--origin URL] [--model ID]...
        [--unauth-rate-limit N] [--store postgres://...]
                                             run the gateway (first stdout line: {"url","pin"})
  dev [--listen HOST:PORT]                   loopback gateway with demo upstream and a fresh invite
  invite create --email E [--expires 72h] [--devices N] [--origin URL]
  invite list | invite revoke ID
  device list | device show ID | device revoke ID [--reason R]
  tester list | tester suspend EMAIL [--reason R]
  audit tail [-n N] | audit verify [--anchor SEQ:HASH]
                                             check the chain; --anchor: a head printed earlier must still be there
  policy show | policy reload
  release add MANIFEST                       admit a signed release manifest (verified against policy.releaseKeys)

--data DIR names the data directory (default ./airlock-data). --json prints one JSON document.
--store postgres://... (or the URL in DATA/store.url) shares one PostgreSQL store between instances.`;

type Options = NonNullable<ParseArgsConfig['options']>;
const COMMON: Options = { data: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, store: { type: 'string' } };
const COMMANDS: Record<string, { options: Options; positionals: number }> = {
  init: { options: { name: { type: 'string', multiple: true } }, positionals: 0 },
  serve: { options: { listen: { type: 'string' }, upstream: { type: 'string' }, origin: { type: 'string' }, model: { type: 'string', multiple: true }, 'unauth-rate-limit': { type: 'string' }, 'log-level': { type: 'string' } }, positionals: 0 },
  dev: { options: { listen: { type: 'string' } }, positionals: 0 },
  'invite create': { options: { email: { type: 'string' }, expires: { type: 'string' }, devices: { type: 'string' }, origin: { type: 'string' } }, positionals: 0 },
  'invite list': { options: {}, positionals: 0 },
  'invite revoke': { options: {}, positionals: 1 },
  'device list': { options: {}, positionals: 0 },
  'device show': { options: {}, positionals: 1 },
  'device revoke': { options: { reason: { type: 'string' } }, positionals: 1 },
  'tester list': { options: {}, positionals: 0 },
  'tester suspend': { options: { reason: { type: 'string' } }, positionals: 1 },
  'audit tail': { options: { n: { type: 'string', short: 'n' } }, positionals: 0 },
  'audit verify': { options: { anchor: { type: 'string' } }, positionals: 0 },
  'policy show': { options: {}, positionals: 0 },
  'policy reload': { options: {}, positionals: 0 },
  'release add': { options: {}, positionals: 1 },
};

interface Parsed {
  command: string;
  values: Record<string, string | boolean | string[] | undefined>;
  args: string[];
  dataDir: string;
  json: boolean;
}

function parse(argv: string[]): Parsed {
  const words = argv.filter((a) => !a.startsWith('-'));
  const command = COMMANDS[`${words[0]} ${words[1]}`] ? `${words[0]} ${words[1]}` : (words[0] ?? '');
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(command ? `unknown command "${words.slice(0, 2).join(' ')}"` : 'no command given');
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON, ...spec.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const args = parsed.positionals.slice(command.split(' ').length);
  if (args.length !== spec.positionals) throw new UsageError(`"${command}" takes ${spec.positionals === 0 ? 'no arguments' : `${spec.positionals} argument`} (got ${args.length})`);
  const values = parsed.values as Parsed['values'];
  const dataDefault = command === 'dev' ? '.airlock-dev' : 'airlock-data';
  return { command, values, args, dataDir: resolve(typeof values.data === 'string' ? values.data : dataDefault), json: values.json === true };
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Runs an admin command on the running gateway, or directly on the store when none runs. */
async function admin(p: Parsed, request: AdminRequest, originOverride?: string): Promise<unknown> {
  const paths = dataPaths(p.dataDir);
  if (!originOverride && (await socketIsLive(paths.adminSocket))) {
    const response = await callAdminSocket(paths.adminSocket, request);
    if (!response.ok) throw new AdminError(response.error.code === 'not_found' ? 'not_found' : 'bad_request', response.error.message);
    return response.result;
  }
  await assertPrivate(paths.dir, 'directory');
  await assertPrivate(paths.caCert, 'file');
  // Loaded here, not at start: a command answered by the running gateway needs none of this.
  const [{ pinOfCertificatePem }, { readRecordedOrigin }, { openStore, resolveStoreTarget }, { createAdminOperations }, { loadPolicyFile }, { systemClock }] = await Promise.all([
    import('../tls/certificates.js'),
    import('../server/origin-file.js'),
    import('../cluster/open-store.js'),
    import('../admin/operations.js'),
    import('../policy/holder.js'),
    import('../context.js'),
  ]);
  const pin = await pinOfCertificatePem(await readFile(paths.caCert, 'utf8'));
  const recorded = originOverride ?? (await readRecordedOrigin(paths.dir));
  const store = await openStore(await resolveStoreTarget(paths.dir, str(p.values.store)));
  try {
    return await createAdminOperations({ store, clock: systemClock, origin: () => recorded, pin, loadPolicy: () => loadPolicyFile(paths.policy) })(request);
  } finally {
    await store.close();
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

async function serveUntilSignalled(gateway: RunningGateway): Promise<void> {
  await new Promise<void>((done) => {
    const stop = () => {
      gateway.close().then(done, done);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function listenUrl(at: { host: string; port: number }): string {
  return `https://${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`;
}

async function run(p: Parsed): Promise<number> {
  const v = p.values;
  switch (p.command) {
    case 'init': {
      const names = ((v.name as string[] | undefined) ?? []).map((n) => flag('name', hostName, n));
      const { initDataDir } = await import('../init/init.js');
      const result = await initDataDir(p.dataDir, names);
      out(p.json ? JSON.stringify(result) : `Initialized a gateway in ${result.data}\npin: ${result.pin}`);
      return 0;
    }
    case 'serve':
    case 'dev': {
      const dev = p.command === 'dev';
      const at = flag('listen', listen, str(v.listen) ?? (dev ? '127.0.0.1:0' : '127.0.0.1:8443'));
      if (dev && !LOOPBACK.has(at.host)) throw new UsageError('--listen: dev listens on loopback only (127.0.0.1 or ::1)');
      const [{ serveGateway }, { readRecordedOrigin }, { initDataDir }, { resolveStoreTarget }] = await Promise.all([import('../server/serve.js'), import('../server/origin-file.js'), import('../init/init.js'), import('../cluster/open-store.js')]);
      if (dev) {
        const initialized = await assertPrivate(dataPaths(p.dataDir).caCert, 'file').then(() => true, () => false);
        if (!initialized) await initDataDir(p.dataDir);
        // Keep the port of the last dev run, so an enrolled app finds its gateway again.
        const last = await readRecordedOrigin(p.dataDir);
        if (at.port === 0 && last) at.port = Number(new URL(last).port);
      }
      const gateway = await serveGateway({
        dataDir: p.dataDir,
        host: at.host,
        port: at.port,
        anyPortIfTaken: dev,
        upstream: dev ? { kind: 'demo' } : flag('upstream', upstream, str(v.upstream) ?? 'demo'),
        ...(v.model ? { models: v.model as string[] } : {}),
        ...(str(v.origin) ? { origin: flag('origin', origin, v.origin) } : {}),
        ...(str(v['unauth-rate-limit']) ? { unauthRateLimitPerMinute: flag('unauth-rate-limit', count(1_000_000), v['unauth-rate-limit']) } : {}),
        store: await resolveStoreTarget(p.dataDir, str(v.store)),
        logLevel: (str(v['log-level']) as 'info' | 'warn' | 'error' | 'silent' | undefined) ?? (dev ? 'warn' : 'info'),
      });
      if (dev) {
        const invite = (await gateway.admin({ op: 'invite.create', email: 'tester@example.com', expiresInSeconds: 72 * 3600, devices: 1 })) as { link: string };
        out(p.json ? JSON.stringify({ url: gateway.url, pin: gateway.pin, link: invite.link }) : `${gateway.url}\n${gateway.pin}\n${invite.link}`);
      } else {
        // `listen`: the address actually bound, which differs from `url` behind --origin (docs/PROTOCOL-CHANGES.md).
        out(p.json ? JSON.stringify({ url: gateway.url, pin: gateway.pin, listen: listenUrl(gateway.ctx.config.listen) }) : `Airlock gateway listening at ${gateway.url}\npin: ${gateway.pin}${gateway.ctx.config.upstream.kind === 'demo' ? '\nupstream: built-in DEMO model (canned answers, not a real model)' : ''}`);
      }
      await serveUntilSignalled(gateway);
      return 0;
    }
    case 'invite create': {
      if (!str(v.email)) throw new UsageError('--email is required');
      const originOverride = str(v.origin) ? flag('origin', origin, v.origin) : undefined;
      const result = (await admin(p, {
        op: 'invite.create',
        email: flag('email', email, v.email),
        expiresInSeconds: flag('expires', duration, str(v.expires) ?? '72h'),
        devices: flag('devices', count(100), str(v.devices) ?? '1'),
      }, originOverride)) as { id: string; link: string; expiresAt: string };
      out(p.json ? JSON.stringify(result) : `Invite ${result.id}, expires ${result.expiresAt}:\n${result.link}`);
      return 0;
    }
    case 'invite list': {
      const rows = (await admin(p, { op: 'invite.list' })) as Record<string, unknown>[];
      out(p.json ? JSON.stringify(rows) : table(rows, ['id', 'email', 'status', 'expiresAt', 'devices']));
      return 0;
    }
    case 'invite revoke': {
      const result = (await admin(p, { op: 'invite.revoke', id: p.args[0]! })) as Record<string, unknown>;
      out(p.json ? JSON.stringify(result) : `Invite ${String(result.id)}: ${String(result.status)}`);
      return 0;
    }
    case 'device list': {
      const rows = (await admin(p, { op: 'device.list' })) as Record<string, unknown>[];
      out(p.json ? JSON.stringify(rows) : table(rows, ['id', 'tester', 'status', 'platform', 'enrolledAt', 'lastSeenAt']));
      return 0;
    }
    case 'device show': {
      const result = (await admin(p, { op: 'device.show', id: p.args[0]! })) as Record<string, unknown>;
      out(p.json ? JSON.stringify(result) : keyValues(result));
      return 0;
    }
    case 'device revoke': {
      const result = (await admin(p, { op: 'device.revoke', id: p.args[0]!, ...(str(v.reason) ? { reason: str(v.reason)! } : {}) })) as Record<string, unknown>;
      out(p.json ? JSON.stringify(result) : `Device ${String(result.id)}: ${String(result.status)} (${String(result.cut)} live connection(s) cut)`);
      return 0;
    }
    case 'tester list': {
      const rows = (await admin(p, { op: 'tester.list' })) as Record<string, unknown>[];
      out(p.json ? JSON.stringify(rows) : table(rows, ['email', 'status', 'devices']));
      return 0;
    }
    case 'tester suspend': {
      const result = (await admin(p, { op: 'tester.suspend', email: flag('email', email, p.args[0]), ...(str(v.reason) ? { reason: str(v.reason)! } : {}) })) as Record<string, unknown>;
      out(p.json ? JSON.stringify(result) : `Tester ${String(result.email)}: ${String(result.status)}, ${String(result.devicesRevoked)} device(s) revoked, ${String(result.cut)} live connection(s) cut`);
      return 0;
    }
    case 'audit tail': {
      const rows = (await admin(p, { op: 'audit.tail', n: flag('n', count(100_000), str(v.n) ?? '20') })) as Record<string, unknown>[];
      out(p.json ? JSON.stringify(rows) : table(rows, ['seq', 'time', 'type', 'actor', 'subject', 'details']));
      return 0;
    }
    case 'audit verify': {
      const anchor = str(v.anchor) === undefined ? undefined : flag('anchor', auditAnchor, str(v.anchor));
      const result = (await admin(p, { op: 'audit.verify', ...(anchor ? { anchor } : {}) })) as { ok: boolean; entries: number; firstBad: number | null; reason: string | null; head: { seq: number; hash: string } | null };
      const head = result.head ? `${result.head.seq}:${result.head.hash}` : null;
      if (p.json) out(JSON.stringify({ ok: result.ok, entries: result.entries, firstBad: result.firstBad, head }));
      else if (result.ok) out(`Audit log verifies: ${result.entries} entries.${head ? ` Head ${head}: keep it off this host and pass it back with --anchor to detect entries cut off the end.` : ''}`);
      else out(`Audit log does NOT verify: entry ${result.firstBad} is bad (${result.entries} entries read).`);
      if (!result.ok) process.stderr.write(`airlock-gateway: audit entry ${result.firstBad}: ${result.reason}\n`);
      return result.ok ? 0 : 1;
    }
    case 'policy show':
    case 'policy reload': {
      const result = await admin(p, { op: p.command === 'policy show' ? 'policy.show' : 'policy.reload' });
      out(p.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
      return 0;
    }
    case 'release add': {
      const file = resolve(p.args[0]!);
      const manifest = await readFile(file, 'utf8').catch(() => {
        throw new AdminError('bad_request', `${file}: the release manifest cannot be read.`);
      });
      const result = (await admin(p, { op: 'release.add', manifest })) as { buildId: string; version: string; platform: string; arch: string; kid: string; added: boolean };
      out(p.json ? JSON.stringify(result) : `Release ${result.version} (${result.platform}/${result.arch}) build ${result.buildId}: ${result.added ? 'admitted' : 'already admitted'} (release key ${result.kid})`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${p.command}"`);
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    (argv.length === 0 ? process.stderr : process.stdout).write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  try {
    return await run(parse(argv));
  } catch (error) {
    const known = error instanceof UsageError || error instanceof AdminError || error instanceof DataDirError || error instanceof PolicyFileError;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`airlock-gateway: ${known ? message : `failed: ${message}`}\n`);
    if (error instanceof UsageError) process.stderr.write('Run "airlock-gateway --help" for usage.\n');
    return error instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
