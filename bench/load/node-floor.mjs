/**
 * 25-speed's "node https" target: the least a Node TLS proxy does for a call, to set Airlock's CPU
 * per call beside what node:https and undici alone cost on the same machine (issue 19). node:https
 * (the gateway's TLS settings: TLS 1.2 or newer) reads the request body, sends it with undici to
 * the upstream the path names (/fixed/... to the fixed upstream, anything else to the model
 * server, as the nginx target routes), and relays status, content type and body chunk by chunk.
 * No authentication, no framework, no audit. Plain JavaScript, so no loader runs at call time.
 * argv: port, model server URL, fixed upstream URL, certificate chain file, key file.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { Pool } from 'undici';

const [port, modelUrl, fixedUrl, certFile, keyFile] = process.argv.slice(2);
const pools = { model: new Pool(modelUrl, { connections: 64, pipelining: 1 }), fixed: new Pool(fixedUrl, { connections: 64, pipelining: 1 }) };
const headers = { 'content-type': 'application/json' };

const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2', keepAliveTimeout: 75_000 }, async (req, res) => {
  try {
    const parts = [];
    for await (const part of req) parts.push(part);
    const pool = req.url.startsWith('/fixed/') ? pools.fixed : pools.model;
    const upstream = await pool.request({ path: req.url, method: req.method, headers, body: Buffer.concat(parts) });
    res.writeHead(upstream.statusCode, { 'content-type': upstream.headers['content-type'] ?? 'application/octet-stream' });
    for await (const chunk of upstream.body) res.write(chunk);
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
