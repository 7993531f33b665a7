/**
 * Issue 5, item 5: the client core as the app runs it, against a real gateway process with its
 * built-in demo upstream, pinned TLS and the real keychain (gnome-keyring on a private D-Bus,
 * started here and stopped at the end; never the user's keyring):
 * - enroll: invite link to an enrolled device with its first session (trust bootstrap,
 *   ES256 key generation, attestation, keychain write), one fresh client and invite each time;
 * - time to first token and to the end of a streamed chat, through client.chat();
 * - revocation seen by the client: admin command (socket) to the client's `revoked` state, wiped.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from '../run.js';
import { percentile } from '../stats.js';
import type { AirlockClient } from '../../main/core/api.js';
import { createAttestationCollector } from '../../main/core/attestation/collector.js';
import { createAirlockClient } from '../../main/core/client.js';
import { createKeytarKeychain } from '../../main/core/keychain/keytar-keychain.js';
import { cryptoRandom, dataDirAt, nodeAttestationDeps, systemClock } from '../../main/core/node-ports.js';
import { createRedactingLogger } from '../../main/core/log/redacting-logger.js';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import { startPrivateKeychain } from '../../test/setup/keychain.js';

const ENROLLS = 100;
const CHATS = 40;
const REVOCATIONS = 10;

/**
 * The client's own undici events (the gateway runs in another process): when the pinned
 * connector starts and finishes a connection (for an enrollment: the trust bootstrap, both TLS
 * handshakes), and how long each request waits from its headers sent to the answer's headers
 * (the gateway's work plus loopback).
 */
function watchUndici(): { connectMs(): number; waitingMs(): number; reset(): void; stop(): void } {
  let connectStart = Number.NaN;
  let connectMs = 0;
  let waitingMs = 0;
  const sent = new WeakMap<object, number>();
  const onBeforeConnect = (): void => void (connectStart = performance.now());
  const onConnected = (): void => void (connectMs += performance.now() - connectStart);
  const onSendHeaders = (message: unknown): void => void sent.set((message as { request: object }).request, performance.now());
  const onHeaders = (message: unknown): void => {
    const at = sent.get((message as { request: object }).request);
    if (at !== undefined) waitingMs += performance.now() - at;
  };
  const channels: Array<[string, (message: unknown) => void]> = [
    ['undici:client:beforeConnect', onBeforeConnect],
    ['undici:client:connected', onConnected],
    ['undici:client:sendHeaders', onSendHeaders],
    ['undici:request:headers', onHeaders],
  ];
  for (const [name, fn] of channels) diagnosticsChannel.subscribe(name, fn);
  return {
    connectMs: () => connectMs,
    waitingMs: () => waitingMs,
    reset() {
      connectMs = 0;
      waitingMs = 0;
    },
    stop() {
      for (const [name, fn] of channels) diagnosticsChannel.unsubscribe(name, fn);
    },
  };
}

async function newClient(gw: TestGateway, dataDir: string): Promise<AirlockClient> {
  return createAirlockClient({
    keychain: createKeytarKeychain(),
    dataDir: dataDirAt(dataDir),
    clock: systemClock,
    random: cryptoRandom,
    logger: createRedactingLogger(() => undefined),
    attestation: createAttestationCollector(nodeAttestationDeps({ appVersion: '0.1.0', buildId: 'dev', packaged: false })),
    gateway: gw.url,
  });
}

function waitRevoked(client: AirlockClient, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.state().kind === 'revoked') return resolve();
    const timer = setTimeout(() => reject(new Error('not revoked in time')), ms);
    const off = client.onState((s) => {
      if (s.kind !== 'revoked') return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

export default async function clientBench(log: (line: string) => void): Promise<BenchRow[]> {
  const keychain = await startPrivateKeychain();
  const previousBus = process.env.DBUS_SESSION_BUS_ADDRESS;
  process.env.DBUS_SESSION_BUS_ADDRESS = keychain.address;
  const appDir = await mkdtemp(join(tmpdir(), 'airlock-bench-app-'));
  const gw = await startGateway({ policy: { limits: { requestsPerMinute: 100_000, tokensPerDay: 100_000_000, streamsPerDevice: 4 } } });
  try {
    const enrollMs: number[] = [];
    const cpuMs: number[] = [];
    const connectMs: number[] = [];
    const waitingMs: number[] = [];
    // Where an enrollment's time goes, from the client's own state changes.
    const steps: Record<string, number[]> = {
      'challenge (keychain check, TLS bootstrap, POST)': [],
      'attest (key, evidence, sign)': [],
      'enroll (POST)': [],
      'first session (+ keychain write, overlapped)': [],
    };
    const undici = watchUndici();
    for (let i = 0; i < ENROLLS + 2; i++) {
      const client = await newClient(gw, appDir);
      const link = await gw.invite(`bench-enroll-${i}@example.com`);
      const marks: number[] = [];
      const off = client.onState(() => marks.push(performance.now()));
      undici.reset();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const state = await client.enroll(link);
      const elapsed = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      off();
      if (state.kind !== 'enrolled') throw new Error(`enroll ended in ${JSON.stringify(state)}`);
      if (i >= 2) {
        // the first two warm up TLS, tsx and keytar
        enrollMs.push(elapsed);
        cpuMs.push((cpu.user + cpu.system) / 1000);
        connectMs.push(undici.connectMs());
        waitingMs.push(undici.waitingMs());
        Object.values(steps).forEach((list, k) => list.push(marks[k + 1]! - marks[k]!));
      }
      await client.signOut();
      await client.close();
    }
    undici.stop();
    log(`enroll: ${ENROLLS} runs, p50 ${percentile(enrollMs, 50).toFixed(1)} ms`);

    const client = await newClient(gw, appDir);
    await client.enroll(await gw.invite('bench-chat@example.com'));
    const models = await client.listModels();
    const model = models.find((m) => m.demo)?.id ?? models[0]!.id;
    const ttft: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < CHATS + 3; i++) {
      const t0 = performance.now();
      let first = Number.NaN;
      let end: string | undefined;
      for await (const delta of client.chat({ model, messages: [{ role: 'user', content: `bench question ${i}` }] })) {
        if (delta.type === 'delta' && Number.isNaN(first)) first = performance.now() - t0;
        if (delta.type !== 'delta') end = delta.type === 'error' ? `${delta.code}: ${delta.message}` : 'done';
      }
      if (end !== 'done') throw new Error(`chat ended with ${end}`);
      if (i >= 3) {
        ttft.push(first);
        total.push(performance.now() - t0);
      }
    }
    log(`chat: ${CHATS} streamed calls on ${model}, TTFT p50 ${percentile(ttft, 50).toFixed(1)} ms`);
    await client.signOut();
    await client.close();

    const revokeMs: number[] = [];
    for (let i = 0; i < REVOCATIONS; i++) {
      const c = await newClient(gw, appDir);
      const state = await c.enroll(await gw.invite(`bench-revoke-${i}@example.com`));
      if (state.kind !== 'enrolled') throw new Error('not enrolled');
      // Wait for the control channel, which is what tells the client.
      while (!(c.state() as { connected?: boolean }).connected) await new Promise((r) => setTimeout(r, 5));
      const t0 = performance.now();
      const revoked = waitRevoked(c, 5000);
      await gw.admin({ op: 'device.revoke', id: state.deviceId, reason: 'bench' });
      await revoked;
      revokeMs.push(performance.now() - t0);
      await c.close();
    }

    const p50Enroll = percentile(enrollMs, 50);
    return [
      { group: 'client core', name: `enroll, link to first session p50 (n=${ENROLLS})`, value: p50Enroll, unit: 'ms', baseline: 'gateway-only enrollment in 10-gateway', target: '< 50 ms', meets: p50Enroll < 50 },
      { group: 'client core', name: 'enroll p99', value: percentile(enrollMs, 99), unit: 'ms' },
      ...Object.entries(steps).map(([step, list]) => ({ group: 'client core', name: `  enroll step: ${step} p50`, value: percentile(list, 50), unit: 'ms' })),
      { group: 'client core', name: '  enroll: TLS bootstrap (pin check, two handshakes) p50', value: percentile(connectMs, 50), unit: 'ms' },
      { group: 'client core', name: '  enroll: waiting on the gateway (3 requests) p50', value: percentile(waitingMs, 50), unit: 'ms', baseline: 'gateway-only enrollment in 10-gateway' },
      { group: 'client core', name: '  enroll: client process CPU p50', value: percentile(cpuMs, 50), unit: 'ms', baseline: 'includes keytar and TLS work off the main thread' },
      { group: 'client core', name: `chat TTFT p50 (demo upstream, n=${CHATS})`, value: percentile(ttft, 50), unit: 'ms', baseline: 'demo streams 40 tokens/s' },
      { group: 'client core', name: 'chat TTFT p99', value: percentile(ttft, 99), unit: 'ms' },
      { group: 'client core', name: 'chat complete answer p50', value: percentile(total, 50), unit: 'ms', baseline: 'set by the demo token rate' },
      { group: 'client core', name: `revoke to client wiped p50 (admin socket, n=${REVOCATIONS})`, value: percentile(revokeMs, 50), unit: 'ms', target: '< 1000 ms', meets: percentile(revokeMs, 50) < 1000 },
      { group: 'client core', name: 'revoke to client wiped max', value: Math.max(...revokeMs), unit: 'ms', target: '< 1000 ms', meets: Math.max(...revokeMs) < 1000 },
    ];
  } finally {
    await gw.stop();
    await rm(appDir, { recursive: true, force: true });
    await keychain.stop();
    if (previousBus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = previousBus;
  }
}
