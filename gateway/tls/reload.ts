/**
 * Swaps the running gateway's server certificate for the one on disk (after `cert renew`),
 * without a restart: `setSecureContext` applies to new TLS handshakes only, so connections
 * already open (keep-alive requests, streams, event channels) go on undisturbed. The new pair is
 * checked first (the key matches, the CA signed it); anything wrong leaves the old one serving.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server as TlsServer } from 'node:tls';
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import { AdminError } from '../admin/operations.js';
import { assertPrivate, type DataPaths } from '../config/data-dir.js';
import { httpsOptions } from './https-options.js';

export interface TlsReloaded {
  serial: string;
  notAfter: string;
}

/** `server`: fastify's `app.server`, typed as plain http by fastify but an https (TLS) server here. */
export function createTlsReloader(server: object, paths: DataPaths): () => Promise<TlsReloaded> {
  const tls = server as Partial<Pick<TlsServer, 'setSecureContext'>>;
  if (typeof tls.setSecureContext !== 'function') throw new Error('the gateway listener is not a TLS server');
  const setSecureContext = tls.setSecureContext.bind(server);
  return async () => {
    for (const file of [paths.serverCert, paths.serverKey, paths.caCert]) await assertPrivate(file, 'file');
    const [certPem, keyPem, caPem] = await Promise.all([readFile(paths.serverCert, 'utf8'), readFile(paths.serverKey, 'utf8'), readFile(paths.caCert, 'utf8')]);
    const cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) throw new AdminError('bad_request', `${paths.serverKey} does not belong to ${paths.serverCert}; run "airlock-gateway cert renew" again. The old certificate keeps serving.`);
    if (!cert.checkIssued(new X509Certificate(caPem)) || !cert.verify(new X509Certificate(caPem).publicKey)) {
      throw new AdminError('bad_request', `${paths.serverCert} is not signed by the gateway CA (${paths.caCert}); the old certificate keeps serving.`);
    }
    // The chain served is the server certificate then the CA (PROTOCOL.md, "Trust bootstrap").
    setSecureContext(httpsOptions({ cert: `${certPem.trim()}\n${caPem.trim()}\n`, key: keyPem }));
    return { serial: cert.serialNumber, notAfter: new Date(cert.validTo).toISOString() };
  };
}

/** The admin operations plus `tls.reload`, answered by the running gateway. */
export function withTlsReload<A extends unknown[]>(run: (request: AdminRequest, ...rest: A) => Promise<unknown>, reload: () => Promise<TlsReloaded>): (request: AdminRequest, ...rest: A) => Promise<unknown> {
  // The rest (the admin's identity, issue 13) passes through to the operations.
  return (request, ...rest) => (request.op === 'tls.reload' ? reload() : run(request, ...rest));
}
