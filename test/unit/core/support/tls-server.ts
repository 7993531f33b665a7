import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestServerCert } from './pki.js';

export interface TestTlsServer {
  origin: string;
  /** Requests that reached the HTTP layer: a refused connection must leave this at zero. */
  requests: number;
  close(): Promise<void>;
  /** Serves a new certificate from now on (a rotation). */
  use(cert: TestServerCert): void;
}

/** A loopback HTTPS server presenting `cert` (leaf then CA) and answering `{"ok":true}`. */
export async function startTlsServer(cert: TestServerCert, host: '127.0.0.1' | 'localhost' = '127.0.0.1'): Promise<TestTlsServer> {
  let server: Server;
  const state = { requests: 0 };
  server = createServer({ key: cert.keyPem, cert: cert.chainPem }, (req, res) => {
    state.requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://${host}:${port}`,
    get requests() {
      return state.requests;
    },
    use(next) {
      server.setSecureContext({ key: next.keyPem, cert: next.chainPem });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
