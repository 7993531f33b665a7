import { describe, expect, it } from 'vitest';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';
import { signReleaseManifest } from '../../../protocol/release/sign.js';
import { isReleaseError } from '../../../protocol/release/errors.js';
import type { ReleaseManifest } from '../../../protocol/release/manifest.js';
import { policy as policySchema } from '../../../protocol/schemas/policy.js';
import type { Evidence } from '../../../protocol/schemas/evidence.js';
import { isAirlockError } from '../../../protocol/errors.js';
import { admitReleaseManifest } from '../../../gateway/release/admit-manifest.js';
import { indexTrustedBuilds } from '../../../gateway/release/trusted-builds.js';
import { requireTrustedBuild, trustedBuildVerdict } from '../../../gateway/release/require-trusted-build.js';

const listed = '1'.repeat(64);
const unlisted = '2'.repeat(64);

const manifest: ReleaseManifest = {
  version: '0.1.0',
  buildId: listed,
  platform: 'linux',
  arch: 'x64',
  artefacts: [{ name: 'Airlock-0.1.0.AppImage', sha256: '3'.repeat(64), size: 10 }],
  createdAt: '2025-01-02T03:04:05.000Z',
};

const evidence = (buildId: string, extra: Partial<Evidence> = {}): Evidence => ({
  platform: 'linux',
  osRelease: '6.1.0',
  arch: 'x64',
  appVersion: '0.1.0',
  buildId,
  packaged: buildId !== 'dev',
  machineIdHash: 'A'.repeat(43),
  diskEncryption: 'on',
  debugger: false,
  keyStorage: 'keychain',
  ...extra,
});

function refusal(run: () => void): string {
  try {
    run();
  } catch (e) {
    expect(isAirlockError(e, 'policy_violation'), String(e)).toBe(true);
    expect((e as Error).message).toContain('requireTrustedBuild');
    return (e as Error).message;
  }
  throw new Error('expected a policy_violation');
}

async function setup() {
  const releaseKey = await generateEphemeralSigner();
  const policy = policySchema.parse({ requireTrustedBuild: true, allowDevBuilds: false, releaseKeys: [releaseKey.publicJwk] });
  const admitted = await admitReleaseManifest(await signReleaseManifest(manifest, releaseKey), policy);
  return { releaseKey, policy, admitted };
}

describe('gateway release admission and requireTrustedBuild', () => {
  it('admits a manifest signed by a policy release key and yields its build id', async () => {
    const { admitted, releaseKey } = await setup();
    expect(admitted.buildIds).toEqual([listed]);
    expect(admitted.builds[0]).toMatchObject({ buildId: listed, version: '0.1.0', platform: 'linux', arch: 'x64' });
    expect(admitted.builds[0]!.kid).toHaveLength(43);
    expect(releaseKey.publicJwk.kty).toBe('EC');
  });

  it('refuses to admit a manifest signed by a key outside policy.releaseKeys', async () => {
    const { policy } = await setup();
    const stranger = await generateEphemeralSigner();
    const error = await admitReleaseManifest(await signReleaseManifest(manifest, stranger), policy).catch((e: unknown) => e);
    expect(isReleaseError(error, 'release_key_unknown')).toBe(true);
  });

  it('admits a device whose evidence names a listed build id', async () => {
    const { admitted, policy } = await setup();
    const trusted = await indexTrustedBuilds(admitted.builds, policy);
    expect(() => requireTrustedBuild(evidence(listed), policy, trusted)).not.toThrow();
  });

  it('refuses an unlisted build id and dev, naming the rule', async () => {
    const { admitted, policy } = await setup();
    const trusted = await indexTrustedBuilds(admitted.builds, policy);
    expect(refusal(() => requireTrustedBuild(evidence(unlisted), policy, trusted))).toContain(unlisted);
    expect(refusal(() => requireTrustedBuild(evidence('dev'), policy, trusted))).toContain('"dev"');
    refusal(() => requireTrustedBuild(evidence(listed, { packaged: false }), policy, trusted));
  });

  it('refuses a listed build id claimed for another platform or version', async () => {
    const { admitted, policy } = await setup();
    const trusted = await indexTrustedBuilds(admitted.builds, policy);
    expect(refusal(() => requireTrustedBuild(evidence(listed, { platform: 'win32' }), policy, trusted))).toContain('linux release');
    expect(refusal(() => requireTrustedBuild(evidence(listed, { appVersion: '0.2.0' }), policy, trusted))).toContain('0.1.0');
  });

  it('drops builds vouched for by a release key removed from the policy', async () => {
    const { admitted, policy } = await setup();
    const withoutKey = { ...policy, releaseKeys: [(await generateEphemeralSigner()).publicJwk] };
    const trusted = await indexTrustedBuilds(admitted.builds, withoutKey);
    refusal(() => requireTrustedBuild(evidence(listed), withoutKey, trusted));
  });

  it('admits policy.trustedBuildIds directly and does nothing when the rule is off', async () => {
    const { policy } = await setup();
    const direct = { ...policy, trustedBuildIds: [unlisted] };
    const trusted = await indexTrustedBuilds([], direct);
    expect(() => requireTrustedBuild(evidence(unlisted), direct, trusted)).not.toThrow();
    refusal(() => requireTrustedBuild(evidence(listed), direct, trusted));
    const off = { ...policy, requireTrustedBuild: false };
    expect(() => requireTrustedBuild(evidence('dev'), off, trusted)).not.toThrow();
  });

  it('gives the same decision as a policy verdict, for gateway/policy/evaluate.ts', async () => {
    const { admitted, policy } = await setup();
    const trusted = await indexTrustedBuilds(admitted.builds, policy);
    expect(trustedBuildVerdict(evidence(listed), policy, trusted)).toBeNull();
    expect(trustedBuildVerdict(evidence(unlisted), policy, trusted)).toEqual({ rule: 'requireTrustedBuild', message: expect.stringContaining(unlisted) });
    expect(trustedBuildVerdict(evidence('dev'), policy, trusted)?.rule).toBe('requireTrustedBuild');
  });
});
