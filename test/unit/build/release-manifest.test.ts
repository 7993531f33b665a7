import { describe, expect, it } from 'vitest';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';
import { b64uDecode, b64uEncode, fromUtf8, utf8 } from '../../../protocol/encoding.js';
import { signReleaseManifest } from '../../../protocol/release/sign.js';
import { verifyReleaseManifest } from '../../../protocol/release/verify.js';
import { checkArtefacts, type FoundArtefact } from '../../../protocol/release/artefacts.js';
import { isReleaseError, type ReleaseErrorCode } from '../../../protocol/release/errors.js';
import type { ReleaseManifest } from '../../../protocol/release/manifest.js';
import { jwkThumbprint } from '../../../protocol/dpop/thumbprint.js';

const manifest: ReleaseManifest = {
  version: '0.1.0',
  buildId: 'a'.repeat(64),
  platform: 'linux',
  arch: 'x64',
  artefacts: [
    { name: 'Airlock-0.1.0.AppImage', sha256: 'b'.repeat(64), size: 1234 },
    { name: 'linux-unpacked/resources/app.asar', sha256: 'a'.repeat(64), size: 99 },
  ],
  createdAt: '2025-01-02T03:04:05.000Z',
};

async function refusedWith(promise: Promise<unknown>, code: ReleaseErrorCode): Promise<void> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(isReleaseError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
}

function part(jws: string, index: number): unknown {
  return JSON.parse(fromUtf8(b64uDecode(jws.split('.')[index]!)));
}

function withPart(jws: string, index: number, value: unknown): string {
  const parts = jws.split('.');
  parts[index] = b64uEncode(utf8(JSON.stringify(value)));
  return parts.join('.');
}

describe('release manifest sign → verify', () => {
  it('round-trips and names the signing key by its RFC 7638 thumbprint', async () => {
    const key = await generateEphemeralSigner();
    const jws = await signReleaseManifest(manifest, key);
    expect(part(jws, 0)).toEqual({ alg: 'ES256', typ: 'airlock-release+jwt', kid: await jwkThumbprint(key.publicJwk) });
    const other = await generateEphemeralSigner();
    const verified = await verifyReleaseManifest(jws, [other.publicJwk, key.publicJwk]);
    expect(verified.manifest).toEqual(manifest);
    expect(verified.kid).toBe(await jwkThumbprint(key.publicJwk));
  });

  it('refuses a manifest signed by a key that is not trusted', async () => {
    const key = await generateEphemeralSigner();
    const trusted = await generateEphemeralSigner();
    await refusedWith(verifyReleaseManifest(await signReleaseManifest(manifest, key), [trusted.publicJwk]), 'release_key_unknown');
    await refusedWith(verifyReleaseManifest(await signReleaseManifest(manifest, key), []), 'release_key_unknown');
  });

  it('refuses a manifest whose kid names a trusted key but whose signature is another key\'s', async () => {
    const attacker = await generateEphemeralSigner();
    const trusted = await generateEphemeralSigner();
    const jws = withPart(await signReleaseManifest(manifest, attacker), 0, { alg: 'ES256', typ: 'airlock-release+jwt', kid: await jwkThumbprint(trusted.publicJwk) });
    await refusedWith(verifyReleaseManifest(jws, [trusted.publicJwk]), 'release_signature_invalid');
  });

  it.each([
    ['version', { version: '0.1.1' }],
    ['buildId', { buildId: 'c'.repeat(64) }],
    ['platform', { platform: 'win32' }],
    ['artefact hash', { artefacts: [{ ...manifest.artefacts[0]!, sha256: 'c'.repeat(64) }, manifest.artefacts[1]] }],
    ['artefact list', { artefacts: [manifest.artefacts[0]] }],
  ])('refuses a manifest whose %s was modified after signing', async (_what, change) => {
    const key = await generateEphemeralSigner();
    const jws = await signReleaseManifest(manifest, key);
    const tampered = withPart(jws, 1, { ...(part(jws, 1) as object), ...change });
    await refusedWith(verifyReleaseManifest(tampered, [key.publicJwk]), 'release_signature_invalid');
  });

  it.each(['ES384', 'HS256', 'none', 'EdDSA'])('refuses a manifest whose alg was changed to %s', async (alg) => {
    const key = await generateEphemeralSigner();
    const jws = await signReleaseManifest(manifest, key);
    const header = { ...(part(jws, 0) as object), alg };
    await refusedWith(verifyReleaseManifest(withPart(jws, 0, header), [key.publicJwk]), 'release_alg_refused');
  });

  it('refuses an HS256 manifest keyed with the public key (the classic alg confusion)', async () => {
    const key = await generateEphemeralSigner();
    const header = b64uEncode(utf8(JSON.stringify({ alg: 'HS256', typ: 'airlock-release+jwt', kid: await jwkThumbprint(key.publicJwk) })));
    const payload = b64uEncode(utf8(JSON.stringify(manifest)));
    const secret = await crypto.subtle.importKey('raw', utf8(JSON.stringify(key.publicJwk)) as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', secret, utf8(`${header}.${payload}`) as Uint8Array<ArrayBuffer>));
    await refusedWith(verifyReleaseManifest(`${header}.${payload}.${b64uEncode(mac)}`, [key.publicJwk]), 'release_alg_refused');
  });

  it('refuses other typ, extra header members and non-JWS input as malformed', async () => {
    const key = await generateEphemeralSigner();
    const jws = await signReleaseManifest(manifest, key);
    const header = part(jws, 0) as object;
    await refusedWith(verifyReleaseManifest(withPart(jws, 0, { ...header, typ: 'airlock-attest+jwt' }), [key.publicJwk]), 'release_malformed');
    await refusedWith(verifyReleaseManifest(withPart(jws, 0, { ...header, jwk: key.publicJwk }), [key.publicJwk]), 'release_malformed');
    await refusedWith(verifyReleaseManifest('not a jws', [key.publicJwk]), 'release_malformed');
  });

  it('refuses to sign a manifest with unsafe artefact names or missing fields', async () => {
    const key = await generateEphemeralSigner();
    for (const name of ['../etc/passwd', '/abs/path', 'a/../../b', 'a\\b', 'a//b', '']) {
      const bad = { ...manifest, artefacts: [{ name, sha256: 'b'.repeat(64), size: 1 }] };
      await refusedWith(signReleaseManifest(bad, key), 'release_malformed');
    }
    await refusedWith(signReleaseManifest({ ...manifest, buildId: 'dev' }, key), 'release_malformed');
    await refusedWith(signReleaseManifest({ ...manifest, artefacts: [manifest.artefacts[0]!, manifest.artefacts[0]!] }, key), 'release_malformed');
  });
});

describe('checkArtefacts', () => {
  const measured = (): Map<string, FoundArtefact> => new Map(manifest.artefacts.map((a) => [a.name, { sha256: a.sha256, size: a.size }]));

  it('accepts files that match the manifest', () => {
    expect(() => checkArtefacts(manifest.artefacts, measured())).not.toThrow();
  });

  it('refuses a changed byte (hash differs) and a changed size, naming the file', () => {
    const changedHash = measured();
    changedHash.set('Airlock-0.1.0.AppImage', { sha256: 'd'.repeat(64), size: 1234 });
    expect(() => checkArtefacts(manifest.artefacts, changedHash)).toThrow(/Airlock-0\.1\.0\.AppImage/);
    try {
      checkArtefacts(manifest.artefacts, changedHash);
    } catch (e) {
      expect(isReleaseError(e, 'release_artefact_mismatch')).toBe(true);
    }
    const changedSize = measured();
    changedSize.set('linux-unpacked/resources/app.asar', { sha256: 'a'.repeat(64), size: 100 });
    expect(() => checkArtefacts(manifest.artefacts, changedSize)).toThrow(expect.objectContaining({ code: 'release_artefact_mismatch' }));
  });

  it('refuses a missing file', () => {
    const missing = measured();
    missing.set('Airlock-0.1.0.AppImage', null);
    expect(() => checkArtefacts(manifest.artefacts, missing)).toThrow(expect.objectContaining({ code: 'release_artefact_missing' }));
    expect(() => checkArtefacts(manifest.artefacts, new Map())).toThrow(expect.objectContaining({ code: 'release_artefact_missing' }));
  });
});
