/**
 * Issue 20, "Running as a service": what the structured request log and the metrics hooks cost on
 * the hot path. Two real gateways side by side in one run: one as the tests run it (`--log-level
 * warn`, no metrics: no request line, no hooks), one observed (`--log-level info`, a JSON line per
 * request on stderr, `--metrics-listen`). The same DPoP-authenticated `GET /v1/models` load goes
 * to each in alternating rounds, so the machine's other load falls on both alike; the figures are
 * the gateway process's CPU per call and the client-side latency. Also: one scrape's time, and,
 * in this process with fastify.inject (no TLS, no network, far less noise), what the request line
 * and the metrics hooks add to one request.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { request } from 'undici';
import { RequestLogController } from '../../gateway/logging/request-log.js';
import { createGatewayLogger } from '../../gateway/logging/logger.js';
import { createGatewayMetrics } from '../../gateway/metrics/gateway-metrics.js';
import type { BenchRow } from '../run.js';
import { percentile, processCpuMs } from '../stats.js';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import { createTestDevice, type TestDevice } from '../../test/helpers/pinned-client.js';

const ROUNDS = 6;
const ROUND_SECONDS = 1.5;
const CONCURRENCY = 2;

interface Side {
  name: string;
  gw: TestGateway;
  devices: TestDevice[];
  /** Gateway CPU per call, one figure per round (the median is reported: rounds hit by other load stand out). */
  cpuPerCall: number[];
  calls: number;
  latencies: number[];
}

async function side(name: string, args: string[]): Promise<Side> {
  const gw = await startGateway({ args });
  const client = gw.client({ connections: CONCURRENCY });
  const devices: TestDevice[] = [];
  for (let i = 0; i < CONCURRENCY; i++) {
    const device = await createTestDevice(client);
    await device.enroll(await gw.invite(`${name}${i}@example.com`));
    await device.session();
    for (let j = 0; j < 100; j++) await device.fetch('GET', '/v1/models'); // warm-up
    devices.push(device);
  }
  return { name, gw, devices, cpuPerCall: [], calls: 0, latencies: [] };
}

async function round(s: Side): Promise<void> {
  const cpu0 = processCpuMs(s.gw.process.pid!);
  const deadline = performance.now() + ROUND_SECONDS * 1000;
  let calls = 0;
  await Promise.all(s.devices.map(async (d) => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const res = await d.fetch('GET', '/v1/models');
      s.latencies.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`${s.name}: ${res.status} ${res.errorCode ?? ''}`);
      calls++;
    }
  }));
  s.cpuPerCall.push((processCpuMs(s.gw.process.pid!) - cpu0) / calls);
  s.calls += calls;
}

const INJECTED = 20_000;

/** Microseconds per injected request on a trivial route, with or without the line and hooks. */
async function injectedMicros(observed: boolean): Promise<number> {
  const logger = createGatewayLogger({ level: observed ? 'info' : 'warn', format: 'json', destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const loggerInstance: FastifyBaseLogger = logger;
  const app: FastifyInstance = Fastify({ loggerInstance, logController: new RequestLogController(logger) });
  if (observed) createGatewayMetrics().requests(app);
  app.get('/v1/models', async () => ({ object: 'list', data: [] }));
  await app.ready();
  for (let i = 0; i < 2000; i++) await app.inject({ method: 'GET', url: '/v1/models' });
  const started = performance.now();
  for (let i = 0; i < INJECTED; i++) await app.inject({ method: 'GET', url: '/v1/models' });
  const micros = ((performance.now() - started) * 1000) / INJECTED;
  await app.close();
  return micros;
}

export default async function observabilityBench(log: (line: string) => void): Promise<BenchRow[]> {
  const plain = await side('plain', ['--log-level', 'warn']);
  let observed: Side | undefined;
  try {
    observed = await side('observed', ['--log-level', 'info', '--log-format', 'json', '--metrics-listen', '127.0.0.1:0']);
    for (let i = 0; i < ROUNDS; i++) {
      await round(plain);
      await round(observed);
    }
    const scrapes: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const res = await request(observed.gw.metricsUrl!);
      bytes = (await res.body.text()).length;
      scrapes.push(performance.now() - started);
    }
    const lines = observed.gw.stderr().split('\n').filter((l) => l.includes('"msg":"request"')).length;
    if (lines < observed.calls) throw new Error(`the observed gateway logged ${lines} request lines for ${observed.calls} calls`);
    // Alternated, best of three each: the least disturbed figure of each.
    const bare: number[] = [];
    const hooked: number[] = [];
    for (let i = 0; i < 3; i++) {
      bare.push(await injectedMicros(false));
      hooked.push(await injectedMicros(true));
    }
    const bareUs = Math.min(...bare);
    const hookedUs = Math.min(...hooked);
    log(`inject µs/request: bare ${bare.map((v) => v.toFixed(1)).join(' ')}; line+hooks ${hooked.map((v) => v.toFixed(1)).join(' ')}`);
    const cpu = (s: Side) => percentile(s.cpuPerCall, 50);
    log(`CPU ms/call by round: plain ${plain.cpuPerCall.map((v) => v.toFixed(3)).join(' ')}; observed ${observed.cpuPerCall.map((v) => v.toFixed(3)).join(' ')}`);
    log(`plain: ${plain.calls} calls, observed: ${observed.calls} calls (${lines} request lines), scrape ${bytes} bytes`);
    const added = cpu(observed) - cpu(plain);
    return [
      { group: 'observability', name: 'gateway CPU per authenticated call, plain (warn, no metrics), median of rounds', value: cpu(plain), unit: 'ms' },
      { group: 'observability', name: 'gateway CPU per authenticated call, observed (info lines + metrics), median of rounds', value: cpu(observed), unit: 'ms', baseline: `plain, same run: ${cpu(plain).toFixed(3)} ms` },
      { group: 'observability', name: 'added CPU per call (observed - plain)', value: added, unit: 'ms', baseline: 'noise between rounds is of the same order' },
      { group: 'observability', name: `authenticated p50, plain (c=${CONCURRENCY})`, value: percentile(plain.latencies, 50), unit: 'ms' },
      { group: 'observability', name: `authenticated p50, observed (c=${CONCURRENCY})`, value: percentile(observed.latencies, 50), unit: 'ms', baseline: `plain, same run: ${percentile(plain.latencies, 50).toFixed(3)} ms` },
      { group: 'observability', name: 'in-process request (fastify.inject), warn log, no hooks', value: bareUs, unit: 'µs' },
      { group: 'observability', name: 'in-process request, info line + metrics hooks', value: hookedUs, unit: 'µs', baseline: `no hooks, same run: ${bareUs.toFixed(1)} µs` },
      { group: 'observability', name: 'added by the request line and metrics hooks', value: hookedUs - bareUs, unit: 'µs', baseline: 'DESIGN.md: gateway overhead target p50 < 500 µs' },
      { group: 'observability', name: 'one /metrics scrape p50', value: percentile(scrapes, 50), unit: 'ms' },
    ];
  } finally {
    await plain.gw.stop();
    await observed?.gw.stop();
  }
}
