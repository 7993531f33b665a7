import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertNativeTarget, binaryTarget, readBinaryTarget } from '../../../build/native/binary-target.js';
import { stageApp } from '../../../build/package-app.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const KEYTAR = path.join(repo, 'node_modules/keytar/build/Release/keytar.node');

function elf(machine: number): Uint8Array {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2;
  b[5] = 1;
  b.writeUInt16LE(machine, 18);
  return b;
}
function pe(machine: number): Uint8Array {
  const b = Buffer.alloc(256);
  b.writeUInt16LE(0x5a4d, 0);
  b.writeUInt32LE(0x80, 0x3c);
  b.writeUInt32LE(0x00004550, 0x80);
  b.writeUInt16LE(machine, 0x84);
  return b;
}
function machO(cpu: number): Uint8Array {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(0xfeedfacf, 0);
  b.writeUInt32LE(cpu, 4);
  return b;
}
function universal(...cpus: number[]): Uint8Array {
  const b = Buffer.alloc(8 + cpus.length * 20);
  b.writeUInt32BE(0xcafebabe, 0);
  b.writeUInt32BE(cpus.length, 4);
  cpus.forEach((cpu, i) => b.writeUInt32BE(cpu, 8 + i * 20));
  return b;
}

describe('native binary target', () => {
  it('reads OS and arch from ELF, PE and Mach-O headers', () => {
    expect(binaryTarget(elf(0x3e))).toEqual({ os: 'linux', archs: ['x64'] });
    expect(binaryTarget(elf(0xb7))).toEqual({ os: 'linux', archs: ['arm64'] });
    expect(binaryTarget(pe(0x8664))).toEqual({ os: 'win', archs: ['x64'] });
    expect(binaryTarget(pe(0xaa64))).toEqual({ os: 'win', archs: ['arm64'] });
    expect(binaryTarget(machO(0x0100000c))).toEqual({ os: 'mac', archs: ['arm64'] });
    expect(binaryTarget(universal(0x01000007, 0x0100000c))).toEqual({ os: 'mac', archs: ['x64', 'arm64'] });
    expect(binaryTarget(Buffer.from('#!/bin/sh\n'))).toBeNull();
  });

  it('reads the staged keytar binary of this machine', async () => {
    const found = await readBinaryTarget(KEYTAR);
    expect(found?.os).toBe(process.platform === 'win32' ? 'win' : process.platform === 'darwin' ? 'mac' : 'linux');
    expect(found?.archs).toContain(process.arch);
  });

  it('refuses to package for another OS or architecture than keytar was built for', async () => {
    const other = process.arch === 'arm64' ? 'x64' : 'arm64';
    await expect(assertNativeTarget(KEYTAR, 'keytar', 'linux', process.arch as 'x64')).resolves.toBeUndefined();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-stage-'));
    try {
      const staging = (targetOs: 'linux' | 'win', arch: 'x64' | 'arm64') =>
        stageApp({ appDir: path.join(dir, 'app'), stageDir: path.join(dir, 'stage'), nodeModulesDir: path.join(repo, 'node_modules'), os: targetOs, arch });
      await expect(staging('linux', other)).rejects.toThrow(new RegExp(`refusing to package for linux-${other}: keytar's native binary .* is built for linux-${process.arch}`));
      await expect(staging('win', process.arch as 'x64')).rejects.toThrow(/refusing to package for win-/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
