import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { FUSE_PLAN, fuseConfig } from '../../../build/fuses/fuse-plan.js';
import { applyFuses, readPlannedFuses } from '../../../build/fuses/apply-fuses.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-fuses-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Where a real Electron binary may be: AIRLOCK_ELECTRON_BINARY, or what `npm install` put in node_modules/electron/dist. */
function realElectronBinary(): string | null {
  const candidates = [
    process.env.AIRLOCK_ELECTRON_BINARY,
    path.join(repo, 'node_modules/electron/dist/electron'),
    path.join(repo, 'node_modules/electron/dist/electron.exe'),
    path.join(repo, 'node_modules/electron/dist/Electron.app'),
  ];
  return candidates.find((c): c is string => c !== undefined && c !== '' && existsSync(c)) ?? null;
}

describe('Electron fuses', () => {
  it('plans exactly the DESIGN.md list', () => {
    expect(FUSE_PLAN).toEqual({
      RunAsNode: false,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableCookieEncryption: true,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      GrantFileProtocolExtraPrivileges: false,
    });
    const config = fuseConfig({ resetAdHocDarwinSignature: false });
    expect(config).toEqual({
      version: FuseVersion.V1,
      resetAdHocDarwinSignature: false,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
    expect(config[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBeUndefined();
  });

  it('sets and reads back the fuses of a real packaged Electron binary, where one is present', async () => {
    const real = realElectronBinary();
    if (real === null) {
      console.log('fuses: no real Electron binary here (its download is blocked; the packaging stand-in has no fuse sentinel) — asserted the plan and the step on a synthetic fuse wire instead');
      expect(Object.keys(FUSE_PLAN)).toHaveLength(7);
      return;
    }
    const copy = path.join(dir, path.basename(real));
    await copyFile(real, copy);
    const outcome = await applyFuses(copy, { resetAdHocDarwinSignature: false, requireFuseWire: true });
    expect(outcome).toEqual({ applied: true, readBack: FUSE_PLAN });
    expect(await readPlannedFuses(copy)).toEqual(FUSE_PLAN);
  });

  it('flips every planned fuse in a fuse wire laid out as Electron lays it out, and reads them back', async () => {
    // Sentinel, wire version 1, wire length 8, then one byte per fuse, '1' on and '0' off: Electron's
    // shipped defaults (RunAsNode, NODE_OPTIONS, inspect and file-protocol privileges on; the rest off).
    const defaults = '10110001';
    const binary = path.join(dir, 'synthetic-electron');
    await writeFile(binary, Buffer.concat([Buffer.from('\x7fELF padding before the wire'), Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from(defaults), Buffer.from('after')]));
    const outcome = await applyFuses(binary, { resetAdHocDarwinSignature: false, requireFuseWire: true });
    expect(outcome).toEqual({ applied: true, readBack: FUSE_PLAN });
    const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
    // LoadBrowserProcessSpecificV8Snapshot (index 6) is not in the plan and keeps Electron's value.
    expect(String.fromCharCode(...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => wire[i]!))).toBe('01001100');
    expect((await readFile(binary)).subarray(-5).toString()).toBe('after');
  });

  it('refuses a binary without a fuse wire for a release, and reports it for a stand-in', async () => {
    const standIn = path.join(dir, 'stand-in');
    await writeFile(standIn, '#!/bin/sh\nexit 1\n');
    await expect(applyFuses(standIn, { resetAdHocDarwinSignature: false, requireFuseWire: true })).rejects.toThrow(/cannot flip the Electron fuses/);
    expect(await applyFuses(standIn, { resetAdHocDarwinSignature: false, requireFuseWire: false })).toEqual({ applied: false, reason: expect.stringContaining('no Electron fuse wire') });
  });

  it('refuses a wire where a planned fuse is marked removed', async () => {
    const binary = path.join(dir, 'removed-fuse');
    // 'r' (removed) in place of RunAsNode.
    await writeFile(binary, Buffer.concat([Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from('r0111010')]));
    await expect(applyFuses(binary, { resetAdHocDarwinSignature: false, requireFuseWire: true })).rejects.toThrow(/RunAsNode is missing or removed/);
  });
});
