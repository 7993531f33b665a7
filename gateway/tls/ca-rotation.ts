/**
 * Rotating the gateway CA, in two steps, because an enrolled app trusts a new CA only when its
 * pin was in the invite it enrolled with (PROTOCOL.md: `pin` may repeat for a backup pin):
 *
 * 1. `ca rotate --stage` makes the next CA (`ca-next.pem`, `ca-next.key`). From then on every
 *    invite carries its pin as the backup pin, beside the current one.
 * 2. `ca rotate --switch`, with the gateway stopped, makes the next CA the current one (the old
 *    one is kept as `ca-previous.*`) and issues a new server certificate from it. At its next
 *    start the gateway serves the new chain; apps enrolled with the backup pin accept it and keep
 *    it. Apps enrolled before step 1 hold only the old pin and must be invited again.
 */
import { access, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataPaths } from '../config/data-dir.js';
import { createGatewayCa, extraCertificateNames, issueServerCertificate, loadGatewayCa, pinOfCertificatePem } from './certificates.js';
import { writePrivateTemp } from '../config/private-file.js';

export function rotationPaths(dir: string) {
  return {
    nextCert: join(dir, 'ca-next.pem'),
    nextKey: join(dir, 'ca-next.key'),
    previousCert: join(dir, 'ca-previous.pem'),
    previousKey: join(dir, 'ca-previous.key'),
  };
}

export class CaRotationError extends Error {
  override name = 'CaRotationError';
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** The staged next CA's pin, announced as the backup pin in invites; null when none is staged. */
export async function readNextPin(dir: string): Promise<string | null> {
  try {
    return await pinOfCertificatePem(await readFile(rotationPaths(dir).nextCert, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function stageNextCa(paths: DataPaths): Promise<{ pin: string; nextPin: string }> {
  const next = rotationPaths(paths.dir);
  const pin = await pinOfCertificatePem(await readFile(paths.caCert, 'utf8'));
  const staged = await readNextPin(paths.dir);
  if (staged) throw new CaRotationError(`A next CA is already staged (pin ${staged}); invites carry it as the backup pin. Switch to it with "airlock-gateway ca rotate --switch" (gateway stopped).`);
  const ca = await createGatewayCa();
  // Key first: a next CA whose certificate exists always has its key.
  await rename(await writePrivateTemp(next.nextKey, ca.caKeyPem), next.nextKey);
  await rename(await writePrivateTemp(next.nextCert, ca.caCertPem), next.nextCert);
  return { pin, nextPin: await pinOfCertificatePem(ca.caCertPem) };
}

/** Makes the staged CA current and issues a server certificate from it (same names); the caller makes sure no gateway runs. */
export async function switchToNextCa(paths: DataPaths): Promise<{ pin: string; previousPin: string; names: string[] }> {
  const next = rotationPaths(paths.dir);
  if (!(await exists(next.nextCert)) || !(await exists(next.nextKey))) throw new CaRotationError('No next CA is staged: run "airlock-gateway ca rotate --stage" first, and invite (or re-invite) testers so their apps hold its pin.');
  const [currentCert, nextCert, nextKey, serverCert] = await Promise.all([readFile(paths.caCert, 'utf8'), readFile(next.nextCert, 'utf8'), readFile(next.nextKey, 'utf8'), readFile(paths.serverCert, 'utf8')]);
  const names = extraCertificateNames(serverCert);
  const server = await issueServerCertificate(await loadGatewayCa(nextCert, nextKey), names);
  const [serverKeyTemp, serverCertTemp] = [await writePrivateTemp(paths.serverKey, server.keyPem), await writePrivateTemp(paths.serverCert, server.certPem)];
  // Keep the old CA beside, then move the next one in, then its server pair. Each step is a rename.
  await rename(paths.caCert, next.previousCert);
  await rename(paths.caKey, next.previousKey);
  await rename(next.nextKey, paths.caKey);
  await rename(next.nextCert, paths.caCert);
  await rename(serverKeyTemp, paths.serverKey);
  await rename(serverCertTemp, paths.serverCert);
  return { pin: await pinOfCertificatePem(nextCert), previousPin: await pinOfCertificatePem(currentCert), names };
}
