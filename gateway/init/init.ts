import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { ownerRefusal } from '../config/ownership.js';
import { resolve } from 'node:path';
import { DEFAULT_POLICY } from '../../protocol/schemas/policy.js';
import { dataPaths, DataDirError } from '../config/data-dir.js';
import { writePublicOrigin } from '../origin/origin-config.js';
import type { PublicOriginSetting } from '../origin/public-origin.js';
import { createTraceKey } from '../tracing/trace-key.js';
import { createGatewayCertificates, pinOfCertificatePem } from '../tls/certificates.js';

async function writeSecret(path: string, content: string): Promise<void> {
  // `wx`: never overwrite; mode 0600 at creation so there is no window where it is readable.
  await writeFile(path, content, { flag: 'wx', mode: 0o600 });
  await chmod(path, 0o600);
}

/**
 * `airlock-gateway init`: the CA and server certificate, the token-signing key, the per-deployment
 * machine-id salt, the DPoP-nonce secret and a default policy. Refuses a directory that already
 * holds anything, so an existing gateway identity is never overwritten.
 *
 * The public origin (DATA/gateway.json) is `publicOrigin` when given, else the first of `names`
 * (its port then follows `serve --listen`); the server certificate names it as well as `names`.
 */
export async function initDataDir(dir: string, names: readonly string[] = [], options: { publicOrigin?: PublicOriginSetting } = {}): Promise<{ pin: string; data: string; publicOrigin: PublicOriginSetting | null }> {
  const data = resolve(dir);
  await mkdir(data, { recursive: true, mode: 0o700 });
  // An empty directory another user made (and could fill later) is refused, not adopted.
  const refusal = ownerRefusal(data, await stat(data));
  if (refusal) throw new DataDirError(refusal);
  const existing = await readdir(data);
  if (existing.length > 0) throw new DataDirError(`${data} is not empty; init refuses to overwrite an existing gateway (found ${existing.slice(0, 3).join(', ')}).`);
  await chmod(data, 0o700);
  const paths = dataPaths(data);
  const publicOrigin = options.publicOrigin ?? (names[0] === undefined ? null : { host: names[0].toLowerCase() });
  const certs = await createGatewayCertificates(publicOrigin ? [publicOrigin.host, ...names] : names);
  const token = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeSecret(paths.caCert, certs.caCertPem);
  await writeSecret(paths.caKey, certs.caKeyPem);
  await writeSecret(paths.serverCert, certs.serverCertPem);
  await writeSecret(paths.serverKey, certs.serverKeyPem);
  await writeSecret(paths.tokenKey, token.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writeSecret(paths.machineIdSalt, `${randomBytes(32).toString('base64url')}\n`);
  await writeSecret(paths.nonceSecret, `${randomBytes(32).toString('base64url')}\n`);
  await createTraceKey(paths.traceKey);
  await writeSecret(paths.policy, `${JSON.stringify(DEFAULT_POLICY, null, 2)}\n`);
  if (publicOrigin) await writePublicOrigin(data, publicOrigin);
  return { pin: await pinOfCertificatePem(certs.caCertPem), data, publicOrigin };
}
