import { open } from 'node:fs/promises';
import type { TargetOs } from '../signing/signing-plan.js';

export type NativeArch = 'x64' | 'arm64';

/** What a native binary was built for, read from its header: ELF, Mach-O (thin or universal) or PE. */
export interface BinaryTarget {
  os: TargetOs;
  archs: NativeArch[];
}

const ELF_MACHINE: Record<number, NativeArch> = { 0x3e: 'x64', 0xb7: 'arm64' };
const MACHO_CPU: Record<number, NativeArch> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };
const PE_MACHINE: Record<number, NativeArch> = { 0x8664: 'x64', 0xaa64: 'arm64' };

const known = <T>(value: T | undefined): T[] => (value === undefined ? [] : [value]);

/** The OS and architectures of a native binary's header, or null when it is none of the three formats. */
export function binaryTarget(header: Uint8Array): BinaryTarget | null {
  const bytes = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
    const machine = bytes[5] === 2 ? bytes.readUInt16BE(18) : bytes.readUInt16LE(18);
    return { os: 'linux', archs: known(ELF_MACHINE[machine]) };
  }
  if (bytes.length >= 8 && bytes.readUInt32LE(0) === 0xfeedfacf) return { os: 'mac', archs: known(MACHO_CPU[bytes.readUInt32LE(4)]) };
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0xcafebabe) {
    // A universal binary: a big-endian table of (cputype, cpusubtype, offset, size, align).
    const count = Math.min(bytes.readUInt32BE(4), 8);
    const archs: NativeArch[] = [];
    for (let i = 0; i < count && 8 + i * 20 + 4 <= bytes.length; i++) archs.push(...known(MACHO_CPU[bytes.readUInt32BE(8 + i * 20)]));
    return { os: 'mac', archs };
  }
  if (bytes.length >= 0x40 && bytes.readUInt16LE(0) === 0x5a4d) {
    const at = bytes.readUInt32LE(0x3c);
    if (at + 6 <= bytes.length && bytes.readUInt32LE(at) === 0x00004550) return { os: 'win', archs: known(PE_MACHINE[bytes.readUInt16LE(at + 4)]) };
  }
  return null;
}

export async function readBinaryTarget(file: string): Promise<BinaryTarget | null> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    return binaryTarget(header.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Native modules cannot be cross-built, and electron-builder would happily pack a Linux x64
 * keytar.node into a Windows or arm64 app that then cannot reach the keychain at all. Refuses,
 * saying what the binary is and where to package instead.
 */
export async function assertNativeTarget(file: string, name: string, os: TargetOs, arch: NativeArch): Promise<void> {
  const found = await readBinaryTarget(file).catch(() => null);
  if (found === null) throw new Error(`${name} (${file}) is missing or not a native binary; run npm ci on the machine you package on`);
  if (found.os !== os || !found.archs.includes(arch)) {
    throw new Error(`refusing to package for ${os}-${arch}: ${name} (${file}) is built for ${found.os}-${found.archs.join('+') || 'an unknown architecture'}. Native modules cannot be cross-built: package on ${os}-${arch} (or its CI runner) after npm ci there`);
  }
}
