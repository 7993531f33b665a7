import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { APP_FILES, createBuilderConfig, type BuilderConfigOptions } from '../../../build/electron-builder.config.js';
import { signingPlan } from '../../../build/signing/signing-plan.js';
import { createNotice } from '../../../build/notice.js';

function options(env: Record<string, string | undefined>): BuilderConfigOptions {
  return {
    appDir: '/stage',
    outputDir: '/out',
    electronVersion: '45.4.1',
    signing: signingPlan(['linux', 'mac', 'win'], env),
    requireFuseWire: true,
    npmRebuild: false,
    env,
    log: () => {},
    notice: createNotice(() => {}),
    onPacked: () => {},
    onArtefact: () => {},
  };
}

describe('electron-builder configuration', () => {
  it('targets a deb (no AppImage), a hardened dmg and NSIS, with our hooks and no second fuse step', () => {
    const config = createBuilderConfig(options({}));
    expect(config.linux?.target).toEqual(['deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac).toMatchObject({ target: ['dmg'], hardenedRuntime: true, notarize: false, identity: null });
    expect(config.electronFuses).toBeNull();
    expect(typeof config.afterPack).toBe('function');
    expect(typeof config.afterSign).toBe('function');
    expect(typeof config.win?.signtoolOptions?.sign).toBe('function');
    expect(config.asarUnpack).toEqual(['node_modules/keytar/build/Release/*.node']);
    expect(config.asar).toEqual({ smartUnpack: false });
    expect(config.publish).toBeNull();
  });

  it('registers airlock:// at install: the deb desktop file from protocols, NSIS per machine in HKLM', () => {
    const config = createBuilderConfig(options({}));
    expect(config.protocols).toEqual([{ name: 'Airlock invite', schemes: ['airlock'] }]);
    expect(config.linux?.target).not.toContain('AppImage');
    expect(config.nsis).toMatchObject({ perMachine: true, oneClick: false, allowToChangeInstallationDirectory: false });
    const include = config.nsis?.include;
    expect(include && existsSync(include)).toBe(true);
    const nsh = readFileSync(include!, 'utf8');
    expect(nsh).toMatch(/!macro customInstall[\s\S]*WriteRegStr HKLM "Software\\Classes\\airlock" "URL Protocol" ""/);
    expect(nsh).toContain('shell\\open\\command" "" \'"$INSTDIR\\${APP_EXECUTABLE_FILENAME}" "%1"\'');
    expect(nsh).toMatch(/!macro customUnInstall\s+DeleteRegKey HKLM "Software\\Classes\\airlock"/);
    expect(nsh).not.toMatch(/no-sandbox/);
  });

  it('signs keytar.node on Windows too (signExts)', () => {
    expect(createBuilderConfig(options({})).win?.signExts).toEqual(['.node']);
  });

  it('leaves the macOS identity to electron-builder only when signing credentials are set', () => {
    const config = createBuilderConfig(options({ CSC_LINK: '/secrets/id.p12', CSC_KEY_PASSWORD: 'pw' }));
    expect(config.mac).not.toHaveProperty('identity');
  });

  it('ships an entitlements file that grants V8 its JIT and nothing that weakens the hardened runtime', () => {
    const file = createBuilderConfig(options({})).mac?.entitlements;
    expect(file && existsSync(file)).toBe(true);
    const plist = readFileSync(file!, 'utf8');
    const keys = [...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1]);
    expect(keys).toEqual(['com.apple.security.cs.allow-jit']);
  });

  it('hands electron-builder a fresh files list each time (it normalises the list in place)', () => {
    const a = createBuilderConfig(options({})).files;
    expect(a).toEqual(APP_FILES);
    expect(a).not.toBe(APP_FILES);
  });
});
