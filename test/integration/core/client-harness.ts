import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AirlockClient, ChatDelta, ClientState } from '../../../main/core/api.js';
import { createAttestationCollector } from '../../../main/core/attestation/collector.js';
import { createAirlockClient } from '../../../main/core/client.js';
import { createKeytarKeychain } from '../../../main/core/keychain/keytar-keychain.js';
import { cryptoRandom, dataDirAt, nodeAttestationDeps, systemClock } from '../../../main/core/node-ports.js';
import type { Keychain } from '../../../main/core/ports.js';
import { CA_FILES_DIR, caFilesIn } from '../../../main/core/vault/ca-files.js';
import { KEYCHAIN_SERVICE } from '../../../main/core/vault/vault.js';
import { createTpmTools } from '../../../main/core/tpm/tpm-tools.js';
import { memoryLogger } from '../../unit/core/support/memory-logger.js';
import { afterAll, beforeAll } from 'vitest';
import { startPrivateKeychain, type PrivateKeychain } from '../../setup/keychain.js';

const run = promisify(execFile);

/**
 * Gives this test file (its own worker process) a keyring of its own, started before keytar's
 * first call: test files run in parallel, and another file's client, built for whatever
 * gateway, must not find this file's enrollments in a shared keyring (nor this file theirs).
 */
export function useOwnKeychain(start: () => Promise<PrivateKeychain> = startPrivateKeychain): void {
  let keychain: PrivateKeychain | undefined;
  let previous: string | undefined;
  beforeAll(async () => {
    keychain = await start();
    previous = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = keychain.address;
  });
  afterAll(async () => {
    await keychain?.stop();
    if (previous === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = previous;
  });
}

export interface TestApp {
  client: AirlockClient;
  dataDir: string;
  logs: ReturnType<typeof memoryLogger>;
  states: ClientState[];
  /** Waits until the state satisfies `test`, or fails after `ms`. */
  waitFor(test: (s: ClientState) => boolean, ms?: number): Promise<ClientState>;
}

/**
 * The steps an app went through, as `enrolling:<step>` or the state's kind. Repeats are folded:
 * once enrolled, the control channel's connecting sends "enrolled" again (now connected), and
 * whether it has by the time a test looks is a race the test must not depend on.
 */
export function stepsOf(app: TestApp): string[] {
  const steps = app.states.map((s) => (s.kind === 'enrolling' ? `enrolling:${s.step}` : s.kind));
  return steps.filter((step, i) => step !== steps[i - 1]);
}

/**
 * The real client core as the app wires it: keytar on the private test keychain, a real data
 * directory, real attestation (the machine id can be replaced to play another machine).
 */
export async function startApp(options: { gateway: string; dataDir?: string; machineId?: string; keychain?: Keychain; tpmTcti?: string; tpmWorkRoot?: string }): Promise<TestApp> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'airlock-app-')));
  // Something the app keeps locally (e.g. window state), to see that revocation removes it.
  await writeFile(join(dataDir, 'window-state.json'), '{"width":1200}');
  const logs = memoryLogger();
  const attestation = createAttestationCollector(
    nodeAttestationDeps({ appVersion: '0.1.0', buildId: 'dev', packaged: false }, options.machineId ? { machineId: async () => options.machineId! } : {}),
  );
  const client = await createAirlockClient({
    keychain: options.keychain ?? createKeytarKeychain(),
    dataDir: dataDirAt(dataDir),
    clock: systemClock,
    random: cryptoRandom,
    logger: logs,
    attestation,
    gateway: options.gateway,
    controlBackoff: { initialMs: 100, maxMs: 2000 },
    ...(options.tpmTcti !== undefined ? { tpm: { tools: createTpmTools({ tcti: options.tpmTcti, ...(options.tpmWorkRoot ? { tmpRoot: options.tpmWorkRoot } : {}) }) } } : {}),
  });
  const states: ClientState[] = [client.state()];
  client.onState((s) => states.push(s));
  return {
    client,
    dataDir,
    logs,
    states,
    waitFor(test, ms = 5000) {
      if (test(client.state())) return Promise.resolve(client.state());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`state still ${JSON.stringify(client.state())} after ${ms} ms`));
        }, ms);
        const off = client.onState((s) => {
          if (!test(s)) return;
          clearTimeout(timer);
          off();
          resolve(s);
        });
      });
    },
  };
}

export async function chatAll(client: AirlockClient, model: string, content: string, signal?: AbortSignal): Promise<ChatDelta[]> {
  const out: ChatDelta[] = [];
  for await (const delta of client.chat({ model, messages: [{ role: 'user', content }] }, signal)) out.push(delta);
  return out;
}

export function text(deltas: ChatDelta[]): string {
  return deltas.map((d) => (d.type === 'delta' ? d.content : '')).join('');
}

/** `secret-tool search --all service Airlock`, as a tester would look (attributes are on stderr). */
export async function secretTool(): Promise<string> {
  const result = await run('secret-tool', ['search', '--all', 'service', KEYCHAIN_SERVICE]).catch((e: { stdout?: string; stderr?: string }) => e);
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

/** The raw keychain entry of a gateway, as JSON (tests only: to know what must not leak). */
export async function keychainEntry(gateway: string): Promise<{ key: { d: string }; record: { deviceId: string } } | null> {
  const secret = await createKeytarKeychain().get(KEYCHAIN_SERVICE, gateway);
  return secret === null ? null : (JSON.parse(secret) as { key: { d: string }; record: { deviceId: string } });
}

/** The gateway CAs an app keeps in its data directory for `gateway` (those with a pinned key). */
export function storedCaPems(dataDir: string, gateway: string, pins: readonly string[]): Promise<string[]> {
  return caFilesIn(join(dataDir, CA_FILES_DIR)).read(gateway, pins);
}

/** Every file under a directory, with its contents. */
export async function filesUnder(dir: string): Promise<Array<{ path: string; content: Buffer }>> {
  const out: Array<{ path: string; content: Buffer }> = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const info = await stat(path);
    if (info.isDirectory()) out.push(...(await filesUnder(path)));
    else if (info.isFile()) out.push({ path, content: await readFile(path) });
  }
  return out;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Signs out, closes and removes every app a test started (for afterEach), emptying the list. */
export async function closeApps(apps: TestApp[]): Promise<void> {
  for (const app of apps.splice(0)) {
    await app.client.signOut({ localOnly: true }).catch(() => undefined);
    await app.client.close();
    await removeDir(app.dataDir);
  }
}
