/**
 * 25-speed's floor targets: the least a Node TLS proxy does for a call, to set Airlock's CPU per
 * call beside what the platform alone costs on the same machine (issue 19). Each reads the
 * request body, sends it with undici to the upstream the path names (/fixed/... to the fixed
 * upstream, anything else to the model server, as the nginx target routes), and relays status,
 * content type and body chunk by chunk. No authentication, no audit, TLS 1.2 or newer.
 *  - `node`: node:https alone;
 *  - `fastify`: fastify on node:https as the gateway runs it (the JSON body parsed and the reply
 *    written to the raw response), no logger, no hooks.
 * Plain JavaScript, so no loader runs at call time.
 * argv: node|fastify, port, model server URL, fixed upstream URL, certificate chain file, key file.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import Fastify from 'fastify';
import { Pool } from 'undici';

const [kind, port, modelUrl, fixedUrl, certFile, keyFile] = process.argv.slice(2);
const pools = { model: new Pool(modelUrl, { connections: 64, pipelining: 1 }), fixed: new Pool(fixedUrl, { connections: 64, pipelining: 1 }) };
const headers = { 'content-type': 'application/json' };
const tls = { cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2' };

/** Sends `body` upstream and relays the answer to `res` (a node:http ServerResponse). */
async function relay(url, method, body, res) {
  try {
    const pool = url.startsWith('/fixed/') ? pools.fixed : pools.model;
    const upstream = await pool.request({ path: url, method, headers, body });
    res.writeHead(upstream.statusCode, { 'content-type': upstream.headers['content-type'] ?? 'application/octet-stream' });
    for await (const chunk of upstream.body) res.write(chunk);
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
}

let close;
if (kind === 'fastify') {
  const app = Fastify({ https: tls, logger: false, keepAliveTimeout: 75_000, forceCloseConnections: true });
  app.post('/*', async (request, reply) => {
    reply.hijack();
    await relay(request.url, 'POST', JSON.stringify(request.body), reply.raw);
  });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
  close = () => app.close();
} else {
  const server = createServer({ ...tls, keepAliveTimeout: 75_000 }, async (req, res) => {
    const parts = [];
    for await (const part of req) parts.push(part);
    await relay(req.url, req.method, Buffer.concat(parts), res);
  });
  await new Promise((resolve) => server.listen(Number(port), '127.0.0.1', resolve));
  close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => void close().then(() => process.exit(0)));
