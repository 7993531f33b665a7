/**
 * Issue 18: what a TPM-bound device key costs, against the keychain path, in one run, through a
 * real gateway process and a software TPM (swtpm over TCP, tpm2-tools per operation, as the app
 * uses it; a hardware TPM is slower per signature, a resource manager faster per tool call):
 * - enrollment: keychain (challenge, enroll, first session) vs TPM (EK, AK and device key made in
 *   the TPM, challenge, activation, ActivateCredential, CertifyCreation, TPM-signed attestation,
 *   enroll, first session);
 * - session start (renewal): keychain key signs vs TPM key signs over a fresh session key;
 * - per request: DPoP-authenticated `GET /v1/models`, a keychain device vs a TPM device (whose
 *   proofs are signed by its in-memory session key): the same per-request work on both sides.
 * Also the gateway's CPU per TPM enrollment (EK chain, MakeCredential, certification).
 */
import { loadavg } from 'node:os';
import type { BenchRow } from '../run.js';
import { percentile, processCpuMs } from '../stats.js';
import { startGateway } from '../../test/helpers/gateway.js';
import { createTestDevice, type TestDevice } from '../../test/helpers/pinned-client.js';
import { startSwtpm } from '../../test/helpers/swtpm.js';
import { enrollTpmDevice, tpmEnrollmentKeys } from '../../test/helpers/tpm-device.js';

const ENROLLMENTS = 5;
const SESSIONS = 10;
const REQUESTS = 500;

const ms = (started: number): number => performance.now() - started;

/** One request each, alternating, so both kinds of device see the same machine load. */
async function interleavedRequests(a: TestDevice, b: TestDevice, count: number): Promise<[number[], number[]]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < count; i++) {
    for (const [k, device] of [a, b].entries()) {
      const started = performance.now();
      const res = await device.fetch('GET', '/v1/models');
      times[k]!.push(ms(started));
      if (res.status !== 200) throw new Error(`request failed: ${res.status} ${res.text}`);
    }
  }
  return times;
}

export default async function tpmBench(log: (line: string) => void): Promise<BenchRow[]> {
  const tpm = await startSwtpm();
  const gw = await startGateway({ policy: { tpmEkCAs: [...tpm.ca.pems] } });
  const releases: Array<() => Promise<void>> = [];
  try {
    const client = gw.client();
    log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    // Warm-up both paths once (JIT, TLS, the TPM's first primary keys).
    const warm = await createTestDevice(client);
    await warm.enroll(await gw.invite('warm-keychain@example.com'));
    await warm.session();
    const warmKeys = await tpmEnrollmentKeys(tpm);
    releases.push(warmKeys.release);
    await (await enrollTpmDevice(client, await gw.invite('warm-tpm@example.com'), warmKeys)).session();

    const keychainEnroll: number[] = [];
    for (let i = 0; i < ENROLLMENTS * 2; i++) {
      const link = await gw.invite(`kc${i}@example.com`);
      const started = performance.now();
      const device = await createTestDevice(client);
      await device.enroll(link);
      await device.session();
      keychainEnroll.push(ms(started));
    }
    const tpmEnroll: number[] = [];
    let gatewayCpu = 0;
    let tpmDevice: Awaited<ReturnType<typeof enrollTpmDevice>> | undefined;
    for (let i = 0; i < ENROLLMENTS; i++) {
      const link = await gw.invite(`tpm${i}@example.com`);
      const cpu0 = processCpuMs(gw.process.pid!);
      const started = performance.now();
      const keys = await tpmEnrollmentKeys(tpm);
      releases.push(keys.release);
      tpmDevice = await enrollTpmDevice(client, link, keys);
      await tpmDevice.session();
      tpmEnroll.push(ms(started));
      gatewayCpu += processCpuMs(gw.process.pid!) - cpu0;
    }
    log(`enrollment p50: keychain ${percentile(keychainEnroll, 50).toFixed(1)} ms, tpm ${percentile(tpmEnroll, 50).toFixed(0)} ms`);

    const keychainDevice = await createTestDevice(client);
    await keychainDevice.enroll(await gw.invite('kc-session@example.com'));
    const keychainSession: number[] = [];
    const tpmSession: number[] = [];
    let tpmSessionDevice: TestDevice | undefined;
    for (let i = 0; i < SESSIONS; i++) {
      let started = performance.now();
      await keychainDevice.session();
      keychainSession.push(ms(started));
      started = performance.now();
      tpmSessionDevice = (await tpmDevice!.session()).device;
      tpmSession.push(ms(started));
    }
    log(`session start p50: keychain ${percentile(keychainSession, 50).toFixed(1)} ms, tpm ${percentile(tpmSession, 50).toFixed(0)} ms`);

    // Per request: one of each in turn, after a warm-up.
    await interleavedRequests(keychainDevice, tpmSessionDevice!, 50);
    const [keychainRequests, tpmRequests] = await interleavedRequests(keychainDevice, tpmSessionDevice!, REQUESTS);
    log(`request p50: keychain ${percentile(keychainRequests, 50).toFixed(2)} ms, tpm session key ${percentile(tpmRequests, 50).toFixed(2)} ms`);
    log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await client.close();

    const kcEnroll = percentile(keychainEnroll, 50);
    const kcSession = percentile(keychainSession, 50);
    const kcReq = percentile(keychainRequests, 50);
    const tpmReq = percentile(tpmRequests, 50);
    return [
      { group: 'tpm', name: 'enrollment p50, TPM (keys made in swtpm, activation, certify, first session)', value: percentile(tpmEnroll, 50), unit: 'ms', baseline: `keychain ${kcEnroll.toFixed(1)} ms (same run)` },
      { group: 'tpm', name: 'gateway CPU per TPM enrollment (EK chain, MakeCredential, certification, first session)', value: gatewayCpu / ENROLLMENTS, unit: 'ms' },
      { group: 'tpm', name: 'session start p50, TPM key signs for a fresh session key', value: percentile(tpmSession, 50), unit: 'ms', baseline: `keychain ${kcSession.toFixed(1)} ms (same run)` },
      { group: 'tpm', name: 'DPoP request p50, TPM device (session key)', value: tpmReq, unit: 'ms', baseline: `keychain ${kcReq.toFixed(2)} ms (same run)`, target: 'unchanged (within 20 % of keychain)', meets: tpmReq <= kcReq * 1.2 },
      { group: 'tpm', name: 'DPoP request p99, TPM device (session key)', value: percentile(tpmRequests, 99), unit: 'ms', baseline: `keychain ${percentile(keychainRequests, 99).toFixed(2)} ms (same run)` },
    ];
  } finally {
    for (const release of releases) await release().catch(() => undefined);
    await gw.stop();
    await tpm.stop();
  }
}
