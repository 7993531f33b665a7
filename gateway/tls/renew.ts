/**
 * `cert renew`: a new server key and certificate signed by the same CA, so the pin that invites
 * and enrolled apps hold does not change. The names are the current certificate's, plus any new
 * `--name`, plus the public origin's host. Both files are written 0600 from the start and renamed
 * into place; the CA files are only read.
 */
import { readFile, rename, rm } from 'node:fs/promises';
import { writePrivateTemp } from '../config/private-file.js';
import type { DataPaths } from '../config/data-dir.js';
import { extraCertificateNames, issueServerCertificate, loadGatewayCa, pinOfCertificatePem } from './certificates.js';


export interface RenewedCertificate {
  pin: string;
  names: string[];
  serial: string;
  notAfter: string;
}

export async function renewServerCertificate(paths: DataPaths, options: { names?: readonly string[]; publicHost?: string | null; now?: Date } = {}): Promise<RenewedCertificate> {
  const [caCertPem, caKeyPem, currentPem] = await Promise.all([readFile(paths.caCert, 'utf8'), readFile(paths.caKey, 'utf8'), readFile(paths.serverCert, 'utf8')]);
  const names = [...new Set([...extraCertificateNames(currentPem), ...(options.publicHost ? [options.publicHost] : []), ...(options.names ?? []).map((n) => n.toLowerCase())])];
  const issued = await issueServerCertificate(await loadGatewayCa(caCertPem, caKeyPem), names, options.now);
  const [keyTemp, certTemp] = [await writePrivateTemp(paths.serverKey, issued.keyPem), await writePrivateTemp(paths.serverCert, issued.certPem)];
  try {
    // Two renames back to back; should the process die between them, rerunning `cert renew`
    // (which needs only the CA and the names in server.pem) makes a matching pair again.
    await rename(keyTemp, paths.serverKey);
    await rename(certTemp, paths.serverCert);
  } finally {
    await rm(keyTemp, { force: true });
    await rm(certTemp, { force: true });
  }
  const { X509Certificate } = await import('node:crypto');
  const cert = new X509Certificate(issued.certPem);
  return { pin: await pinOfCertificatePem(caCertPem), names, serial: cert.serialNumber, notAfter: issued.notAfter.toISOString() };
}
