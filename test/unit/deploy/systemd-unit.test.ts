/**
 * deploy/airlock-gateway.service: systemd itself accepts it (`systemd-analyze verify`, where systemd is
 * installed; any warning fails, since systemd only warns about a misspelt key and then ignores it), and
 * it keeps the hardening issue 20 asks for: its own user, a 0700 state directory holding the admin
 * socket, a read-only system, no new privileges, a private /tmp and a restart on failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const UNIT = path.resolve('deploy/airlock-gateway.service');
const text = readFileSync(UNIT, 'utf8');

/** `Key=value` lines of one [Section], comments and blank lines dropped; a key may repeat. */
function section(name: string): [string, string][] {
  const out: [string, string][] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (current === name && eq > 0) out.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return out;
}
const service = new Map(section('Service'));

describe('deploy/airlock-gateway.service', () => {
  const analyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).stdout.trim();
  it.runIf(analyze !== '')('passes systemd-analyze verify with no warning', () => {
    const result = spawnSync(analyze, ['verify', UNIT], { encoding: 'utf8' });
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
  });
  if (analyze === '') console.log('deploy: systemd-analyze not installed here, so only the unit\'s keys are checked');

  it('runs as its own user with a 0700 state directory, and the admin socket is in it', () => {
    expect(service.get('User')).toBe('airlock');
    expect(service.get('Group')).toBe('airlock');
    expect(service.get('StateDirectory')).toBe('airlock');
    expect(service.get('StateDirectoryMode')).toBe('0700');
    expect(service.get('UMask')).toBe('0077');
    // `--data` is the state directory, so DATA/admin.sock lives there.
    expect(service.get('ExecStart')).toMatch(/ --data \/var\/lib\/airlock( |$)/);
  });

  it('is hardened: read-only system, no new privileges, private /tmp, no capabilities', () => {
    expect(service.get('ProtectSystem')).toBe('strict');
    expect(service.get('NoNewPrivileges')).toBe('yes');
    expect(service.get('PrivateTmp')).toBe('yes');
    expect(service.get('ProtectHome')).toBe('yes');
    expect(service.get('CapabilityBoundingSet')).toBe('');
    // Nothing may reopen what ProtectSystem=strict closed, except the state directory itself.
    expect(service.has('ReadWritePaths')).toBe(false);
  });

  it('restarts on failure', () => {
    expect(service.get('Restart')).toBe('on-failure');
  });

  it('starts the real CLI: node on bin/airlock-gateway.mjs serve, with flags the CLI has', () => {
    const exec = service.get('ExecStart') ?? '';
    const [node, script, command, ...rest] = exec.split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    expect(script).toBe('/opt/airlock/bin/airlock-gateway.mjs');
    expect(existsSync(path.resolve('bin', path.basename(script!)))).toBe(true);
    expect(command).toBe('serve');
    const flags = rest.filter((word) => word.startsWith('--'));
    expect(flags).toEqual(['--data', '--listen', '--upstream']);
    // No secret on the command line (/proc/PID/cmdline is world-readable): only variables named here.
    for (const word of rest.filter((w) => w.startsWith('$'))) expect(word).toMatch(/^\$\{AIRLOCK_(LISTEN|UPSTREAM)\}$/);
  });

  it('the example environment file sets exactly the variables ExecStart uses', () => {
    const example = readFileSync(path.resolve('deploy/gateway.env.example'), 'utf8');
    const names = example.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.slice(0, l.indexOf('=')));
    const used = [...(service.get('ExecStart') ?? '').matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]);
    expect(names.sort()).toEqual(used.sort());
  });
});
