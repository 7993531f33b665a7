import { describe, expect, it } from 'vitest';
import { allowedHosts, checkHostAndOrigin, type ConsoleAddress } from '../../../gateway/console/request-guard.js';
import { checkConsoleListen, ConsoleListenError } from '../../../gateway/console/listen-address.js';

const loopback: ConsoleAddress = { scheme: 'http', host: '127.0.0.1', port: 8444 };

describe('console Host and Origin check', () => {
  it('knows the names a browser uses for a loopback console, and only those', () => {
    expect([...allowedHosts(loopback)].sort()).toEqual(['127.0.0.1:8444', '[::1]:8444', 'localhost:8444']);
  });

  it.each([
    ['127.0.0.1:8444', undefined, false, true],
    ['LOCALHOST:8444', undefined, false, true],
    ['[::1]:8444', 'http://[::1]:8444', true, true],
    ['127.0.0.1:8444', 'http://127.0.0.1:8444', true, true],
    ['127.0.0.1:8444', 'http://localhost:8444', true, true],
    // DNS rebinding: the attacker's name resolves to 127.0.0.1, the Host header still names it.
    ['evil.example:8444', undefined, false, false],
    ['127.0.0.1:8445', undefined, false, false],
    ['127.0.0.1', undefined, false, false],
    ['user@127.0.0.1:8444', undefined, false, false],
    [undefined, undefined, false, false],
    // Cross-site and cross-port posts, and a change without an Origin.
    ['127.0.0.1:8444', 'http://evil.example', true, false],
    ['127.0.0.1:8444', 'https://127.0.0.1:8444', true, false],
    ['127.0.0.1:8444', 'http://127.0.0.1:8445', true, false],
    ['127.0.0.1:8444', 'null', true, false],
    ['127.0.0.1:8444', undefined, true, false],
  ])('Host %s, Origin %s, change %s: allowed %s', (host, origin, stateChange, ok) => {
    expect(checkHostAndOrigin({ host, origin, stateChange }, loopback).ok).toBe(ok);
  });

  it('lets a remote console answer to the gateway name over https', () => {
    const remote: ConsoleAddress = { scheme: 'https', host: '0.0.0.0', port: 8444, names: ['gw.example'] };
    expect(checkHostAndOrigin({ host: 'gw.example:8444', origin: 'https://gw.example:8444', stateChange: true }, remote).ok).toBe(true);
    expect(checkHostAndOrigin({ host: 'localhost:8444', origin: undefined, stateChange: false }, remote).ok).toBe(false);
  });
});

describe('console listen address', () => {
  const testers = { host: '0.0.0.0', port: 8443 };
  it.each(['127.0.0.1', '127.1.2.3', '::1', 'localhost'])('takes loopback %s', (host) => {
    expect(() => checkConsoleListen({ host, port: 8444, allowRemote: false }, testers)).not.toThrow();
  });
  it.each(['0.0.0.0', '::', '192.168.1.5', 'gw.example'])('refuses %s without the explicit flag, takes it with', (host) => {
    expect(() => checkConsoleListen({ host, port: 8444, allowRemote: false }, testers)).toThrow(ConsoleListenError);
    expect(() => checkConsoleListen({ host, port: 8444, allowRemote: true }, testers)).not.toThrow();
  });
  it('refuses the testers\' port', () => {
    expect(() => checkConsoleListen({ host: '127.0.0.1', port: 8443, allowRemote: false }, testers)).toThrow(/testers' port/);
  });
});
