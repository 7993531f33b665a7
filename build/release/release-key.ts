import { readFile, stat, writeFile } from 'node:fs/promises';
import { exportJWK, generateKeyPair, importJWK } from 'jose';
import { z } from 'zod';
import { publicJwkOf, signerFromCryptoKey, type Es256Signer } from '../../protocol/jws/signer.js';
import { ecPublicJwk, type EcPublicJwk } from '../../protocol/schemas/common.js';
import { jwkThumbprint } from '../../protocol/dpop/thumbprint.js';
import { ReleaseError, describeIssue } from '../../protocol/release/errors.js';

const b64u32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes of base64url');

/** The release signing key at rest: a private P-256 JWK. It lives in a file or a CI secret, never in git. */
export const privateReleaseJwk = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: b64u32,
  y: b64u32,
  d: b64u32,
  alg: z.literal('ES256').optional(),
  use: z.literal('sig').optional(),
  kid: z.string().max(128).optional(),
});
export type PrivateReleaseJwk = z.infer<typeof privateReleaseJwk>;

export interface ReleaseKeySource {
  /** `--key FILE` */
  keyFile?: string | undefined;
  env: Record<string, string | undefined>;
}

/** Where the key comes from, in order: `--key FILE`, AIRLOCK_RELEASE_KEY_FILE, AIRLOCK_RELEASE_KEY (the JWK itself, for CI secrets). */
export async function loadReleaseSigner(source: ReleaseKeySource): Promise<Es256Signer & { kid: string }> {
  const file = source.keyFile ?? source.env.AIRLOCK_RELEASE_KEY_FILE;
  let text: string;
  let from: string;
  if (file !== undefined && file !== '') {
    await refuseLooseFile(file);
    text = await readFile(file, 'utf8');
    from = file;
  } else if (source.env.AIRLOCK_RELEASE_KEY !== undefined && source.env.AIRLOCK_RELEASE_KEY !== '') {
    text = source.env.AIRLOCK_RELEASE_KEY;
    from = 'AIRLOCK_RELEASE_KEY';
  } else {
    throw new ReleaseError('release_key_invalid', 'No release key: pass --key FILE, or set AIRLOCK_RELEASE_KEY_FILE or AIRLOCK_RELEASE_KEY (make one with `airlock-release keygen`).');
  }
  return signerFromPrivateJwkText(text, from);
}

async function signerFromPrivateJwkText(text: string, from: string): Promise<Es256Signer & { kid: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Never echo the text: it may be key material.
    throw new ReleaseError('release_key_invalid', `${from} is not JSON (expected a private P-256 JWK).`);
  }
  const jwk = privateReleaseJwk.safeParse(raw);
  if (!jwk.success) throw new ReleaseError('release_key_invalid', `${from}: ${describeIssue(jwk.error.issues[0])}.`);
  let privateKey: CryptoKey;
  try {
    privateKey = (await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.data.x, y: jwk.data.y, d: jwk.data.d }, 'ES256')) as CryptoKey;
  } catch {
    throw new ReleaseError('release_key_invalid', `${from} is not a valid P-256 private key.`);
  }
  const publicJwk = publicJwkOf(jwk.data);
  return { ...signerFromCryptoKey(privateKey, publicJwk), kid: await jwkThumbprint(publicJwk) };
}

/** Like ssh: a private key file others can read is refused rather than used. */
async function refuseLooseFile(file: string): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch {
    throw new ReleaseError('release_key_invalid', `Cannot read the release key file ${file}.`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ReleaseError('release_key_invalid', `The release key file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it.`);
  }
}

/** Makes a new release key and writes it, mode 0600, to a file that must not exist yet. */
export async function generateReleaseKey(outFile: string): Promise<{ kid: string; publicJwk: EcPublicJwk }> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = privateReleaseJwk.parse({ ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig' });
  const publicJwk = publicJwkOf(jwk);
  const kid = await jwkThumbprint(publicJwk);
  await writeFile(outFile, `${JSON.stringify({ ...jwk, kid })}\n`, { mode: 0o600, flag: 'wx' });
  return { kid, publicJwk };
}

/**
 * Trusted release keys from a file: one public JWK, an array of them, or a gateway policy.json
 * (its `releaseKeys`), so the same file the gateway trusts can check a release.
 */
export function parseTrustedKeys(text: string, from: string): EcPublicJwk[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ReleaseError('release_key_invalid', `${from} is not JSON.`);
  }
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null && 'releaseKeys' in raw ? (raw as { releaseKeys: unknown }).releaseKeys : [raw];
  const keys = z.array(ecPublicJwk).min(1).safeParse(list);
  if (!keys.success) throw new ReleaseError('release_key_invalid', `${from} must hold public P-256 JWKs (no private members): ${describeIssue(keys.error.issues[0])}.`);
  return keys.data;
}
