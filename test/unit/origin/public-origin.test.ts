import { describe, expect, it } from 'vitest';
import { decidePublicOrigin, originWhenStopped, parsePublicOrigin, PublicOriginError } from '../../../gateway/origin/public-origin.js';

describe('parsePublicOrigin', () => {
  it('takes https://HOST[:PORT] (443 when no port) or a bare host whose port follows --listen', () => {
    expect(parsePublicOrigin('https://Gateway.Lab.Example:8443')).toEqual({ host: 'gateway.lab.example', port: 8443 });
    expect(parsePublicOrigin('https://gateway.lab.example')).toEqual({ host: 'gateway.lab.example', port: 443 });
    expect(parsePublicOrigin('https://gateway.lab.example/')).toEqual({ host: 'gateway.lab.example', port: 443 });
    expect(parsePublicOrigin('gateway.lab.example')).toEqual({ host: 'gateway.lab.example' });
    expect(parsePublicOrigin('https://[2001:db8::1]:8443')).toEqual({ host: '2001:db8::1', port: 8443 });
    expect(parsePublicOrigin('10.0.0.5')).toEqual({ host: '10.0.0.5' });
  });

  it('refuses http, paths, queries, credentials and what is not a host, saying what to give', () => {
    for (const bad of ['http://gateway.lab.example:8443', 'https://gateway.lab.example/v1', 'https://gateway.lab.example?x=1', 'https://u:p@gateway.lab.example', 'gate way', '-bad.example', 'https://']) {
      expect(() => parsePublicOrigin(bad), bad).toThrow(PublicOriginError);
    }
    expect(() => parsePublicOrigin('http://x.example')).toThrow(/must start with https:\/\//);
  });
});

describe('decidePublicOrigin', () => {
  it('a loopback listen address with nothing set serves at itself', () => {
    expect(decidePublicOrigin({ listenHost: '127.0.0.1', listenPort: 8443 })).toEqual({ origin: 'https://127.0.0.1:8443', source: 'loopback' });
    expect(decidePublicOrigin({ listenHost: '::1', listenPort: 8443 }).origin).toBe('https://[::1]:8443');
  });

  it('any other listen address needs a public origin, and the refusal names the flag', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.5']) {
      expect(() => decidePublicOrigin({ listenHost: host, listenPort: 8443 }), host).toThrow(/Add --public-origin https:\/\/NAME:8443/);
    }
  });

  it('the run\'s flag wins over the configuration; a host alone takes the listen port', () => {
    const configured = { host: 'gateway.lab.example' };
    expect(decidePublicOrigin({ configured, listenHost: '0.0.0.0', listenPort: 8443 })).toEqual({ origin: 'https://gateway.lab.example:8443', source: 'configuration' });
    expect(decidePublicOrigin({ configured, flag: { host: 'lb.lab.example', port: 443 }, listenHost: '0.0.0.0', listenPort: 8443 })).toEqual({ origin: 'https://lb.lab.example', source: 'flag' });
  });
});

describe('originWhenStopped', () => {
  it('uses the configured origin, with the last served port when the configuration leaves it to --listen', () => {
    expect(originWhenStopped({ host: 'g.example', port: 9443 }, 'https://127.0.0.1:8443')).toBe('https://g.example:9443');
    expect(originWhenStopped({ host: 'g.example' }, 'https://g.example:8443')).toBe('https://g.example:8443');
    expect(originWhenStopped({ host: 'g.example' }, null)).toBeNull();
    expect(originWhenStopped(null, 'https://127.0.0.1:8443')).toBe('https://127.0.0.1:8443');
  });
});
