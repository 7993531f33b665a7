import { describe, expect, it } from 'vitest';
import { auditAsarEntries } from '../../../build/asar/audit.js';

const good = ['/package.json', '/main', '/main/main.js', '/preload', '/preload/preload.cjs', '/renderer', '/renderer/index.html', '/renderer/assets/index-1.js', '/node_modules/keytar/lib/keytar.js', '/node_modules/somedep/test/x.js'];

describe('app.asar audit', () => {
  it('accepts the built app (runtime node_modules keep their own layout)', () => {
    expect(auditAsarEntries(good)).toEqual([]);
  });

  it.each([
    ['/main/main.js.map', 'source map'],
    ['/main/core/vault.ts', 'TypeScript source'],
    ['/renderer/chat.test.js', 'test file'],
    ['/test/helpers.js', 'test or fixture folder'],
    ['/fixtures/ca.json', 'test or fixture folder'],
    ['/main/preview/bridge-client.js', 'dev preview'],
    ['/gateway/dev.js', 'gateway code'],
    ['/renderer/release-key.jwk', 'key material'],
  ])('refuses %s (%s)', (entry, rule) => {
    expect(auditAsarEntries([...good, entry])).toEqual([`${entry.slice(1)}: ${rule} must not be packaged`]);
  });

  it('refuses a package missing the built main, preload or renderer', () => {
    expect(auditAsarEntries(['/package.json', '/main/main.js'])).toEqual(['preload/preload.cjs: missing from the package', 'renderer/index.html: missing from the package']);
  });
});
