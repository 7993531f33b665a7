/**
 * Issue 19, the upstream request path: the gateway's transport (gateway/model/transport.ts, undici's
 * `dispatch` on a keep-alive Pool) against node:http with a keep-alive agent, the baseline of the
 * same run, each making sequential streamed requests (20 chunks) to the test upstream running in a
 * child process of its own. Times to the answer's headers and to its end: whether the upstream hop
 * itself waits for anything the plainest client does not.
 */
import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createHttpTransport } from '../../gateway/model/transport.js';
import { openAiUpstream } from '../../gateway/model/upstream-config.js';
import type { BenchRow } from '../run.js';
import { percentile } from '../stats.js';

const CALLS = 1_500;
const WARM_UP = 200;
const SERVER = fileURLToPath(new URL('../../test/helpers/openai-server.ts', import.meta.url));
const BODY = JSON.stringify({ model: 'test-chat', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });

type Timed = () => Promise<{ headers: number; total: number }>;

async function series(call: Timed): Promise<{ headers: number[]; total: number[] }> {
  for (let i = 0; i < WARM_UP; i++) await call();
  const headers: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = await call();
    headers.push(t.headers);
    total.push(t.total);
  }
  return { headers, total };
}

export default async function upstreamBench(log: (line: string) => void): Promise<BenchRow[]> {
  log(`load average at start (1 / 5 / 15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  const code = `import(${JSON.stringify(SERVER)}).then(async (m) => { const s = await m.startOpenAiServer({ chunks: 20 }); console.log(s.baseUrl); })`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const baseUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(String(chunk).trim()));
      child.once('exit', (status) => reject(new Error(`the test upstream exited (${status})`)));
    });
    const transport = await createHttpTransport(openAiUpstream.parse({ kind: 'openai', name: 'bench', baseUrl, models: [{ id: 'test-chat' }] }), null);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(`${baseUrl}/chat/completions`);
    const viaTransport: Timed = async () => {
      const started = performance.now();
      const response = await transport.send({ path: 'chat/completions', body: BODY, signal: new AbortController().signal });
      const headers = performance.now() - started;
      for await (const chunk of response.body) void chunk;
      return { headers, total: performance.now() - started };
    };
    const viaNodeHttp: Timed = () => new Promise((resolve, reject) => {
      const started = performance.now();
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'text/event-stream' } }, (res) => {
        const headers = performance.now() - started;
        res.on('data', () => undefined);
        res.on('end', () => resolve({ headers, total: performance.now() - started }));
      });
      req.on('error', reject);
      req.end(BODY);
    });
    try {
      const plain = await series(viaNodeHttp);
      const gateway = await series(viaTransport);
      const fmt = (values: number[]) => `${percentile(values, 50).toFixed(3)} / ${percentile(values, 99).toFixed(3)} ms`;
      return [
        { group: 'upstream', name: `gateway transport (undici dispatch), ${CALLS} sequential streamed requests: answer end p50 (headers p50 / p99 ${fmt(gateway.headers)})`, value: percentile(gateway.total, 50), unit: 'ms', baseline: `node:http keep-alive ${percentile(plain.total, 50).toFixed(3)} ms (headers ${fmt(plain.headers)}), same run` },
      ];
    } finally {
      await transport.close();
      agent.destroy();
    }
  } finally {
    child.kill();
  }
}
