/**
 * The log is for humans on a terminal and for machines elsewhere: `--log-format pretty` (and
 * `auto`, the default, when stderr is a terminal) prints pino-pretty's lines; `auto` on a pipe
 * prints one JSON object a line (logs.test.ts reads those). The terminal case runs the real CLI
 * under `script`, which gives it a pseudo-terminal.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initDataDir } from '../../../gateway/init/init.js';
import { GATEWAY_BIN, startGateway, type TestGateway } from '../../helpers/gateway.js';

const isJson = (line: string) => {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

describe('log format', () => {
  const gateways: TestGateway[] = [];
  afterAll(async () => {
    for (const gw of gateways) await gw.stop();
  });

  it('prints human lines with --log-format pretty, and JSON lines by default on a pipe', async () => {
    const pretty = await startGateway({ args: ['--log-level', 'info', '--log-format', 'pretty'] });
    gateways.push(pretty);
    const piped = await startGateway({ args: ['--log-level', 'info'] });
    gateways.push(piped);
    for (const gw of [pretty, piped]) expect((await gw.client().raw('GET', '/healthz')).status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (!(pretty.stderr().includes('/healthz') && piped.stderr().includes('/healthz')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    const human = pretty.stderr().split('\n').filter((l) => l.trim() !== '');
    const request = human.find((l) => l.includes('request') && !l.startsWith(' '));
    expect(request, pretty.stderr()).toMatch(/INFO/);
    // Objects are spread over indented lines, never one JSON object a line.
    expect(human.some((l) => l.startsWith('{') && isJson(l))).toBe(false);
    expect(pretty.stderr()).toMatch(/route: "\/healthz"/);

    const machine = piped.stderr().split('\n').filter((l) => l !== '');
    expect(machine.length).toBeGreaterThan(0);
    expect(machine.every(isJson)).toBe(true);
  }, 120_000); // two gateway starts (45 s each at most)

  it('prints human lines by default when stderr is a terminal (the CLI under script(1))', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-tty-'));
    const data = join(dir, 'data');
    await initDataDir(data);
    const command = [process.execPath, GATEWAY_BIN, 'serve', '--data', data, '--listen', '127.0.0.1:0', '--log-level', 'info'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      const deadline = Date.now() + 30_000;
      while (!out.includes('gateway listening') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('gateway listening');
      // The terminal gets pino-pretty's lines (level names, no JSON objects), after the CLI's own lines.
      const logLines = out.split(/\r?\n/).filter((l) => l.includes('gateway listening') || l.includes('Server listening'));
      expect(logLines.length).toBeGreaterThan(0);
      for (const line of logLines) {
        expect(isJson(line.trim())).toBe(false);
        expect(line).toMatch(/INFO/);
      }
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000); // waits up to 30 s for the gateway to say it listens, then stops it
});
