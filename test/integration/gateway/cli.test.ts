/**
 * The `airlock-gateway` CLI as PROTOCOL.md's table says: init (keys, 0600/0700, refuses to
 * overwrite, the chain and pin), the start-up refusals (open data dir, bad policy), `dev`, and
 * admin commands with and without a running gateway, as JSON and as tables.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInviteLink } from '../../../protocol/invite/link.js';
import { GATEWAY_BIN, runCli, startGateway } from '../../helpers/gateway.js';
import { pinOfDerCertificate } from '../../helpers/pinned-client.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airlock-cli-'));
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('airlock-gateway init', () => {
  it('makes private keys, a CA-signed server certificate for the names, and prints the CA pin', async () => {
    const data = join(base, 'init');
    const result = await runCli(['init', '--name', 'gw.example', '--name', '10.1.2.3', '--data', data, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { pin, data: printed } = result.json<{ pin: string; data: string }>();
    expect(printed).toBe(data);
    expect((await stat(data)).mode & 0o777).toBe(0o700);
    for (const file of await readdir(data)) expect((await stat(join(data, file))).mode & 0o777, file).toBe(0o600);
    const ca = new X509Certificate(await readFile(join(data, 'ca.pem')));
    const server = new X509Certificate(await readFile(join(data, 'server.pem')));
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:gw.example, IP Address:10.1.2.3');
    expect(pin).toBe(pinOfDerCertificate(ca.raw));
    expect(JSON.parse(await readFile(join(data, 'policy.json'), 'utf8'))).toMatchObject({ tokenLifetimeSeconds: 900 });

    const again = await runCli(['init', '--data', data]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/refuses to overwrite/);
  });
});

describe('gateway start-up refusals', () => {
  it('refuses a data directory readable by others', async () => {
    const data = join(base, 'open');
    expect((await runCli(['init', '--data', data])).code).toBe(0);
    await chmod(data, 0o755);
    const serve = await runCli(['serve', '--data', data, '--listen', '127.0.0.1:0']);
    expect(serve.code).not.toBe(0);
    expect(serve.stderr).toMatch(/accessible to group or others.*chmod 700/);
  });

  it('refuses a policy file with a bad field, naming it', async () => {
    const data = join(base, 'badpolicy');
    expect((await runCli(['init', '--data', data])).code).toBe(0);
    await writeFile(join(data, 'policy.json'), JSON.stringify({ allowedPlatforms: ['amiga'] }));
    const serve = await runCli(['serve', '--data', data, '--listen', '127.0.0.1:0']);
    expect(serve.code).not.toBe(0);
    expect(serve.stderr).toMatch(/field "allowedPlatforms\.0"/);
  });

  it('reports usage errors on stderr with exit 2', async () => {
    const bad = await runCli(['invite', 'create', '--email', 'not-an-email', '--data', join(base, 'init')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--email/);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['device', 'list', '--bogus'])).code).toBe(2);
  });
});

describe('admin commands', () => {
  it('work without a running gateway and hold at the next start', async () => {
    const gw = await startGateway({ dataDir: join(base, 'offline') });
    await gw.stop();
    const created = await runCli(['invite', 'create', '--email', 'off@example.com', '--devices', '2', '--expires', '2h', '--data', gw.dataDir, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const invite = created.json<{ id: string; link: string; expiresAt: string }>();
    expect(parseInviteLink(invite.link)).toMatchObject({ gateway: gw.url, pins: [gw.pin] });
    const list = await runCli(['invite', 'list', '--data', gw.dataDir]);
    expect(list.stdout).toMatch(/^ID\s+EMAIL\s+STATUS\s+EXPIRESAT\s+DEVICES/);
    expect(list.stdout).toContain('off@example.com');

    const again = await startGateway({ dataDir: gw.dataDir });
    try {
      const listed = (await again.cli(['invite', 'list', '--json'])).json<{ id: string; status: string; devices: number }[]>();
      expect(listed).toContainEqual(expect.objectContaining({ id: invite.id, status: 'pending', devices: 0 }));
      expect((await again.cli(['device', 'show', 'dev_nonexistentdevice00', '--json'])).code).toBe(1);
      const tail = await again.cli(['audit', 'tail', '-n', '3', '--json']);
      expect(tail.json<{ type: string }[]>().map((e) => e.type)).toContain('admin.invite.create');
      expect((await again.cli(['tester', 'list'])).stdout).toContain('(none)');
    } finally {
      await again.stop();
    }
    // Two gateway starts and six CLI processes: over 30 s on a loaded 2-core machine.
  }, 90_000);
});

describe('airlock-gateway dev', () => {
  it('makes its data dir on first use, listens on loopback, prints url, pin and a fresh invite', async () => {
    const data = join(base, 'dev');
    const child = spawn(process.execPath, [GATEWAY_BIN, 'dev', '--data', data, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`dev exited ${code}`)));
      });
      const printed = JSON.parse(line) as { url: string; pin: string; link: string };
      expect(new URL(printed.url).hostname).toBe('127.0.0.1');
      expect(parseInviteLink(printed.link)).toMatchObject({ gateway: printed.url, pins: [printed.pin] });
      expect((await stat(data)).mode & 0o777).toBe(0o700);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    const refused = await runCli(['dev', '--data', data, '--listen', '0.0.0.0:0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/loopback/);
  });
});
