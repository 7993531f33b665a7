/**
 * A software TPM 2.0 for one test: Debian's `swtpm`, manufactured by `swtpm_setup` with an RSA and
 * an ECC endorsement key, their EK certificates (NV 0x01c00002 RSA 2048, 0x01c00016 ECC P-384) and
 * a platform certificate, all issued by a local CA (`swtpm_localca`) made in a temp dir for this
 * TPM (or shared with another one, to play two TPMs from the same manufacturer). Nothing global
 * changes: swtpm_setup gets its own config files, never /etc/swtpm_setup.conf's CA in
 * /var/lib/swtpm-localca.
 *
 * The TPM listens on 127.0.0.1: the command port and, as the tss2 swtpm TCTI expects, the control
 * port right after it. `tcti` is what tpm2-tools takes (`TPM2TOOLS_TCTI`, or the TPM module's
 * `tcti` option). `stop()` ends the process and deletes the state (and the CA when it owns it).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A local CA that issues EK certificates (swtpm_localca's root and its intermediate). */
export interface SwtpmCa {
  readonly dir: string;
  /** The self-signed root (`swtpm-localca-rootca`). */
  readonly rootPem: string;
  /** The intermediate that signs the EK certificates (`swtpm-localca`), signed by the root. */
  readonly issuerPem: string;
  /** Both, root first: what a gateway's `tpmEkCAs` lists to trust this CA's TPMs. */
  readonly pems: readonly string[];
  /** Deletes the CA's directory. */
  remove(): Promise<void>;
}

export interface SoftwareTpm {
  /** For tpm2-tools: `swtpm:host=127.0.0.1,port=N`. */
  readonly tcti: string;
  readonly port: number;
  readonly stateDir: string;
  /** The CA that issued this TPM's EK certificates. */
  readonly ca: SwtpmCa;
  /** Ends swtpm and deletes its state (and the CA when this TPM made it). Safe to call twice. */
  stop(): Promise<void>;
}

async function privateDir(prefix: string): Promise<string> {
  // mkdtemp makes the directory 0700.
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * Makes an empty local CA directory and its config; swtpm_localca creates the root and the
 * intermediate on the first certificate it issues (in `startSwtpm`), so the PEMs are read then.
 */
async function localCaConfig(dir: string): Promise<{ setupConf: string }> {
  const caConf = join(dir, 'swtpm-localca.conf');
  const caOptions = join(dir, 'swtpm-localca.options');
  const setupConf = join(dir, 'swtpm_setup.conf');
  await writeFile(caConf, [`statedir = ${dir}`, `signingkey = ${join(dir, 'signkey.pem')}`, `issuercert = ${join(dir, 'issuercert.pem')}`, `certserial = ${join(dir, 'certserial')}`, ''].join('\n'), { mode: 0o600 });
  await writeFile(caOptions, ['--platform-manufacturer Airlock-test', '--platform-version 2.1', '--platform-model swtpm', ''].join('\n'), { mode: 0o600 });
  await writeFile(setupConf, ['create_certs_tool = /usr/bin/swtpm_localca', `create_certs_tool_config = ${caConf}`, `create_certs_tool_options = ${caOptions}`, 'active_pcr_banks = sha256', ''].join('\n'), { mode: 0o600 });
  return { setupConf };
}

interface CaDir {
  dir: string;
  setupConf: string;
}

async function newCaDir(): Promise<CaDir> {
  const dir = await privateDir('airlock-swtpm-ca-');
  const { setupConf } = await localCaConfig(dir);
  return { dir, setupConf };
}

async function readCa(ca: CaDir): Promise<SwtpmCa> {
  const rootPem = await readFile(join(ca.dir, 'swtpm-localca-rootca-cert.pem'), 'utf8');
  const issuerPem = await readFile(join(ca.dir, 'issuercert.pem'), 'utf8');
  return {
    dir: ca.dir,
    rootPem,
    issuerPem,
    pems: [rootPem, issuerPem],
    remove: () => rm(ca.dir, { recursive: true, force: true }),
  };
}

function listen(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Two consecutive free ports on 127.0.0.1 (command N, control N+1): what the swtpm TCTI needs. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const first = await listen(0);
    if (first === null) continue;
    const port = (first.address() as { port: number }).port;
    const second = port < 65535 ? await listen(port + 1) : null;
    await close(first);
    if (second !== null) {
      await close(second);
      return port;
    }
  }
  throw new Error('swtpm helper: found no two consecutive free ports on 127.0.0.1');
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts swtpm on the state and waits until its command port answers; null when it exited (a port taken meanwhile). */
async function launch(stateDir: string): Promise<{ child: ChildProcess; port: number; stderr: () => string } | null> {
  const port = await freePortPair();
  const child = spawn(
    'swtpm',
    [
      'socket',
      '--tpm2',
      '--tpmstate',
      `dir=${stateDir}`,
      '--server',
      `type=tcp,port=${port},bindaddr=127.0.0.1`,
      '--ctrl',
      `type=tcp,port=${port + 1},bindaddr=127.0.0.1`,
      '--flags',
      'not-need-init,startup-clear',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 8192) stderr += chunk;
  });
  const gone = exited(child).then(() => 'exited' as const);
  for (;;) {
    const state = await Promise.race([gone, accepts(port).then((ok) => (ok ? ('up' as const) : ('down' as const)))]);
    if (state === 'exited') return null;
    if (state === 'up' && child.exitCode === null) return { child, port, stderr: () => stderr };
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Manufactures and starts a software TPM. `ca`: issue its EK certificates from this CA (another
 * TPM's `ca`, i.e. the same manufacturer); by default a new CA of its own.
 */
export async function startSwtpm(options: { ca?: SwtpmCa } = {}): Promise<SoftwareTpm> {
  const ownCa = options.ca === undefined ? await newCaDir() : null;
  const caDir: CaDir = ownCa ?? { dir: options.ca!.dir, setupConf: join(options.ca!.dir, 'swtpm_setup.conf') };
  const stateDir = await privateDir('airlock-swtpm-state-');
  const cleanUp = async (): Promise<void> => {
    await rm(stateDir, { recursive: true, force: true });
    if (ownCa !== null) await rm(ownCa.dir, { recursive: true, force: true });
  };
  try {
    await run(
      'swtpm_setup',
      ['--tpm2', '--tpmstate', stateDir, '--create-ek-cert', '--create-platform-cert', '--config', caDir.setupConf, '--overwrite'],
      { timeout: 60_000 },
    );
    const ca = options.ca ?? (await readCa(caDir));
    let started: Awaited<ReturnType<typeof launch>> = null;
    for (let attempt = 0; attempt < 5 && started === null; attempt += 1) started = await launch(stateDir);
    if (started === null) throw new Error('swtpm helper: swtpm did not start (its ports were taken five times)');
    const { child, port } = started;
    let stopped: Promise<void> | null = null;
    return {
      tcti: `swtpm:host=127.0.0.1,port=${port}`,
      port,
      stateDir,
      ca,
      stop() {
        stopped ??= (async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited(child);
          await cleanUp();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
