/**
 * TPM enrollment across two gateway instances on one PostgreSQL (the same data-dir secrets, as
 * behind a load balancer): an activation made by A is redeemed through B, and the same activation
 * sent again through A is refused as used (single use across instances, through the shared
 * single-use table).
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDataDir } from '../../../gateway/init/init.js';
import { freePort } from '../../helpers/free-port.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { GatewayClient, refusal } from '../../helpers/pinned-client.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';
import { startSwtpm, type SoftwareTpm } from '../../helpers/swtpm.js';
import { postEnroll, prepareTpmEnrollment, tpmEnrollmentKeys } from '../../helpers/tpm-device.js';

const ORIGIN = 'https://localhost:8443';

describe('TPM enrollment across two instances on PostgreSQL', () => {
  let server: ThrowawayPostgres;
  let root: string;
  let tpm: SoftwareTpm;
  let a: TestGateway;
  let b: TestGateway;
  let clientA: GatewayClient;
  let clientB: GatewayClient;
  const releases: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    [server, tpm] = await Promise.all([startThrowawayPostgres(), startSwtpm()]);
    const url = await server.createDatabase('airlock_tpm');
    root = await mkdtemp(join(tmpdir(), 'airlock-tpm-two-'));
    const dirA = join(root, 'a');
    const dirB = join(root, 'b');
    await initDataDir(dirA);
    await mkdir(dirB, { mode: 0o700 });
    for (const file of await readdir(dirA)) await copyFile(join(dirA, file), join(dirB, file));
    const start = async (dataDir: string) => {
      const port = await freePort();
      const gw = await startGateway({ dataDir, policy: { tpmEkCAs: [...tpm.ca.pems] }, args: ['--store', url, '--origin', ORIGIN, '--listen', `127.0.0.1:${port}`] });
      return { gw, client: new GatewayClient({ origin: `https://127.0.0.1:${port}`, caPem: gw.caPem, pins: [gw.pin] }) };
    };
    ({ gw: a, client: clientA } = await start(dirA));
    ({ gw: b, client: clientB } = await start(dirB));
  }, 120_000);

  afterAll(async () => {
    for (const release of releases) await release();
    await clientA?.close();
    await clientB?.close();
    await a?.stop({ keepData: true });
    await b?.stop({ keepData: true });
    await tpm?.stop();
    if (root) await rm(root, { recursive: true, force: true });
    await server?.down();
  });

  it('redeems through B an activation made by A, then refuses it through A as used', async () => {
    const keys = await tpmEnrollmentKeys(tpm);
    releases.push(keys.release);
    // Challenge and activation through A.
    const prepared = await prepareTpmEnrollment(clientA, await a.invite('cluster-tpm@example.com'), keys);
    const attestation = await prepared.attestation();
    const tpmProof = prepared.proof;
    const enrolled = await postEnroll(clientB, { attestation, tpm: tpmProof });
    expect((await a.admin<Array<{ id: string; keyStorage: string }>>({ op: 'device.list' })).find((d) => d.id === enrolled.deviceId)).toMatchObject({ keyStorage: 'tpm' });

    const replayed = await refusal(postEnroll(clientA, { attestation, tpm: tpmProof }));
    expect(replayed.code).toBe('tpm_activation_invalid');
    expect(replayed.message).toMatch(/already used/);
  });
});
