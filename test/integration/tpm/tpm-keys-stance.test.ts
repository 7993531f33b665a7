/**
 * A TPM-capable computer enrolling with a gateway that can verify no TPM key (the default policy:
 * no `tpmEkCAs`) makes a keychain key straight away, told so by the challenge's `airlock-tpm-keys`
 * header, instead of making an EK, AK and key in its TPM only to be refused and fall back. Where
 * that gateway requires a TPM key all the same, the tester reads that no TPM can enroll and why.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAirlockError } from '../../../protocol/errors.js';
import { parseInviteLink } from '../../../protocol/invite/link.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startSwtpm, type SoftwareTpm } from '../../helpers/swtpm.js';
import { closeApps, startApp, type TestApp, useOwnKeychain } from '../core/client-harness.js';

describe('enrollment on a TPM-capable computer when the gateway verifies no TPM key', () => {
  useOwnKeychain();
  let tpm: SoftwareTpm;
  let workRoot: string;
  const gateways: TestGateway[] = [];
  const apps: TestApp[] = [];

  beforeAll(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'airlock-tpm-stance-'));
    tpm = await startSwtpm();
  }, 120_000);
  afterEach(() => closeApps(apps));
  afterAll(async () => {
    for (const gw of gateways) await gw.stop();
    await tpm?.stop();
    await rm(workRoot, { recursive: true, force: true });
  });

  it('the default policy: the challenge says not-verified, and the app enrolls a keychain key without asking its TPM', async () => {
    const gw = await startGateway({});
    gateways.push(gw);
    const probe = gw.client();
    const link = await gw.invite('stance@example.com');
    const challenge = await probe.raw('POST', '/v1/enroll/challenge', { body: { code: parseInviteLink(link).code } });
    expect(challenge.headers['airlock-tpm-keys']).toBe('not-verified');

    const app = await startApp({ gateway: gw.url, tpmTcti: tpm.tcti, tpmWorkRoot: workRoot });
    apps.push(app);
    await app.client.enroll(link);
    expect(app.client.state()).toMatchObject({ kind: 'enrolled', tester: 'stance@example.com' });
    const messages = app.logs.lines.map((l) => l.message);
    expect(messages).toContain('client: the gateway verifies no TPM keys; enrolling with a keychain key');
    expect(messages).not.toContain('client: the gateway does not trust this TPM; trying a keychain key');
    const devices = (await gw.admin({ op: 'device.list' })) as { tester: string; keyStorage?: string }[];
    expect(devices.find((d) => d.tester === 'stance@example.com')).toMatchObject({ keyStorage: 'keychain' });
    // Nothing was asked of the TPM: no TPM activation reached the gateway.
    const tail = (await gw.admin({ op: 'audit.tail', n: 50 })) as { type: string }[];
    expect(tail.map((e) => e.type).filter((t) => t.includes('tpm'))).toEqual([]);
  }, 120_000);

  it('a policy that requires a TPM key but trusts no TPM maker: one sentence saying no TPM can enroll, and why', async () => {
    const gw = await startGateway({ policy: { minKeyStorage: 'tpm' } });
    gateways.push(gw);
    const app = await startApp({ gateway: gw.url, tpmTcti: tpm.tcti, tpmWorkRoot: workRoot });
    apps.push(app);
    const error = await app.client.enroll(await gw.invite('strict@example.com')).catch((e: unknown) => e);
    expect(isAirlockError(error, 'tpm_required')).toBe(true);
    expect((error as Error).message).toBe("This gateway accepts only a device key held in a TPM, but it trusts no TPM maker yet, so it cannot accept this computer's TPM either: ask your administrator (the gateway's policy lists no tpmEkCAs).");
  }, 120_000);
});
