/**
 * Issue 7 against a REAL gateway process: a release manifest signed in the test with a release key
 * made in the test (none on disk but the temp dir), admitted with `airlock-gateway release add`;
 * `requireTrustedBuild` then admits a device running that build and refuses an unlisted build and
 * `dev`, at enrollment and at every session.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';
import { signReleaseManifest } from '../../../protocol/release/sign.js';
import type { ReleaseManifest } from '../../../protocol/release/manifest.js';
import type { Evidence } from '../../../protocol/schemas/evidence.js';
import { runCli, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, refusal, type GatewayClient, type TestDevice } from '../../helpers/pinned-client.js';

const listed = 'a1'.repeat(32);
const unlisted = 'b2'.repeat(32);
const offlineBuild = 'd4'.repeat(32);

const manifest: ReleaseManifest = {
  version: '0.1.0',
  buildId: listed,
  platform: 'linux',
  arch: 'x64',
  artefacts: [{ name: 'Airlock-0.1.0.AppImage', sha256: 'c3'.repeat(32), size: 1234 }],
  createdAt: '2025-01-02T03:04:05.000Z',
};

const build = (buildId: string): Partial<Evidence> => ({ buildId, packaged: buildId !== 'dev', appVersion: '0.1.0', platform: 'linux' });

describe('requireTrustedBuild on a real gateway', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  let dir: string;
  let policyWithKey: Record<string, unknown>;
  let n = 0;
  const email = () => `release${++n}@example.com`;

  async function enrolled(buildId: string): Promise<TestDevice> {
    const device = await createTestDevice(client);
    await device.enroll(await gw.invite(email()), { evidence: build(buildId) });
    return device;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-release-'));
    const releaseKey = await generateEphemeralSigner();
    const stranger = await generateEphemeralSigner();
    await writeFile(join(dir, 'good.jws'), await signReleaseManifest(manifest, releaseKey));
    await writeFile(join(dir, 'offline.jws'), await signReleaseManifest({ ...manifest, buildId: offlineBuild }, releaseKey));
    await writeFile(join(dir, 'stranger.jws'), await signReleaseManifest({ ...manifest, buildId: unlisted }, stranger));
    // allowDevBuilds stays on, so `dev` can only be refused by requireTrustedBuild itself.
    gw = await startGateway({ policy: { requireTrustedBuild: true, allowDevBuilds: true, releaseKeys: [releaseKey.publicJwk] } });
    client = gw.client();
    policyWithKey = JSON.parse(await readFile(join(gw.dataDir, 'policy.json'), 'utf8')) as Record<string, unknown>;
  });
  afterAll(async () => {
    await gw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses every build before any manifest is admitted', async () => {
    const error = await refusal(enrolled(listed));
    expect([error.status, error.code]).toEqual([403, 'policy_violation']);
    expect(error.message).toContain('requireTrustedBuild');
  });

  it('refuses `release add` of a manifest signed by an unknown key: exit 1, a clear reason, nothing admitted', async () => {
    const result = await gw.cli(['release', 'add', join(dir, 'stranger.jws'), '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('release_key_unknown');
    expect(result.stdout).toBe('');
    expect((await refusal(enrolled(unlisted))).code).toBe('policy_violation');
  });

  it('admits a manifest signed by a policy release key (audited), then a device running that build enrolls and opens sessions', async () => {
    const result = await gw.cli(['release', 'add', join(dir, 'good.jws'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ buildId: listed, version: '0.1.0', platform: 'linux', arch: 'x64', added: true });
    const again = await gw.cli(['release', 'add', join(dir, 'good.jws'), '--json']);
    expect(again.json()).toMatchObject({ buildId: listed, added: false });

    const tail = await gw.admin<{ type: string; subject: string }[]>({ op: 'audit.tail', n: 5 });
    expect(tail.filter((e) => e.type === 'admin.release.add').map((e) => e.subject)).toEqual([listed, listed]);

    const device = await enrolled(listed);
    expect((await device.session({ evidence: build(listed) })).tokenType).toBe('DPoP');
  });

  it('refuses an unlisted build and `dev` at enrollment, naming the rule', async () => {
    for (const buildId of [unlisted, 'dev']) {
      const error = await refusal(enrolled(buildId));
      expect([error.status, error.code], buildId).toEqual([403, 'policy_violation']);
      expect(error.message, buildId).toContain('requireTrustedBuild');
    }
  });

  it('checks the build at every session, and a policy reload without the release key withdraws the build', async () => {
    const device = await enrolled(listed);
    await device.session({ evidence: build(listed) });
    const swapped = await refusal(device.session({ evidence: build(unlisted) }));
    expect([swapped.code, swapped.message.includes('requireTrustedBuild')]).toEqual(['policy_violation', true]);

    await writeFile(join(gw.dataDir, 'policy.json'), JSON.stringify({ ...policyWithKey, releaseKeys: [] }), { mode: 0o600 });
    await gw.admin({ op: 'policy.reload' });
    const withdrawn = await refusal(device.session({ evidence: build(listed) }));
    expect([withdrawn.code, withdrawn.message.includes('requireTrustedBuild')]).toEqual(['policy_violation', true]);

    await writeFile(join(gw.dataDir, 'policy.json'), JSON.stringify(policyWithKey), { mode: 0o600 });
    await gw.admin({ op: 'policy.reload' });
    await device.session({ evidence: build(listed) });
  });

  it('keeps admitted builds across a restart, and admits one offline with no gateway running (straight into the store)', async () => {
    await gw.stop({ keepData: true });
    const dataDir = gw.dataDir;
    const offline = await runCli(['release', 'add', join(dir, 'offline.jws'), '--data', dataDir, '--json']);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.json()).toMatchObject({ buildId: offlineBuild, added: true });
    const refused = await runCli(['release', 'add', join(dir, 'stranger.jws'), '--data', dataDir, '--json']);
    expect([refused.code, refused.stderr.includes('release_key_unknown')]).toEqual([1, true]);
    gw = await startGateway({ dataDir });
    client = gw.client();
    try {
      await enrolled(listed);
      await enrolled(offlineBuild);
      expect((await refusal(enrolled(unlisted))).code).toBe('policy_violation');
      const tail = await gw.admin<{ type: string; subject: string }[]>({ op: 'audit.tail', n: 1000 });
      expect(tail.filter((e) => e.type === 'admin.release.add').map((e) => e.subject)).toEqual([listed, listed, offlineBuild]);
      expect(await gw.admin({ op: 'audit.verify' })).toMatchObject({ ok: true });
    } finally {
      await gw.stop();
      await rm(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
});
