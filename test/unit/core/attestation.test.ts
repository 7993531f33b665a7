import { describe, expect, it } from 'vitest';
import { b64uEncode } from '../../../protocol/encoding.js';
import { evidence as evidenceSchema } from '../../../protocol/schemas/evidence.js';
import { createAttestationCollector, machineIdHash, type AttestationDeps } from '../../../main/core/attestation/collector.js';
import { parseFdesetupStatus, parseIoregPlatformUuid } from '../../../main/core/attestation/darwin.js';
import { diskEncryptionFromLsblk, diskEncryptionFromSysfs, parseMachineId, parseOsRelease, rootDeviceFromMountinfo, type SysfsReader } from '../../../main/core/attestation/linux.js';
import { parseMachineGuid, parseManageBde, parsePowerShellProtectionStatus } from '../../../main/core/attestation/win32.js';
import { nodeAttestationDeps } from '../../../main/core/node-ports.js';
import type { CommandResult } from '../../../main/core/ports.js';
import * as rec from './recorded/outputs.js';

const SALT = b64uEncode(new Uint8Array(32).fill(9));

function runner(answers: Record<string, CommandResult>): AttestationDeps['run'] & { calls: string[] } {
  const calls: string[] = [];
  const run = async (file: string, args: readonly string[]): Promise<CommandResult> => {
    const key = [file, ...args].join(' ');
    calls.push(key);
    return answers[key] ?? { code: null, stdout: '', stderr: 'not found' };
  };
  return Object.assign(run, { calls });
}
const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });

function sysfs(tree: { links: Record<string, string>; files: Record<string, string>; dirs: Record<string, string[]> }): SysfsReader {
  return {
    readFile: async (p) => tree.files[p] ?? null,
    readdir: async (p) => tree.dirs[p] ?? null,
    realName: async (p) => tree.links[p] ?? null,
  };
}
const noSysfs = sysfs({ links: {}, files: {}, dirs: {} });

function deps(overrides: Partial<AttestationDeps>): AttestationDeps {
  return {
    platform: 'linux', arch: 'x64', kernelRelease: '6.1.0-18-amd64', appVersion: '0.1.0', buildId: 'dev', packaged: false,
    run: runner({}), readFile: async () => null, sysfs: noSysfs, debuggerAttached: () => false, ...overrides,
  };
}

describe('Linux sources', () => {
  it('reads os-release', () => {
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(parseOsRelease('NAME=Fedora\nVERSION_ID=40\n')).toBe('Fedora 40');
    expect(parseOsRelease('# nothing\n')).toBeNull();
  });

  it('accepts only a real machine-id', () => {
    expect(parseMachineId('3D1219C7C4C5404AAA1F6D2A48ADFDA4\n')).toBe('3d1219c7c4c5404aaa1f6d2a48adfda4');
    expect(parseMachineId('uninitialized\n')).toBeNull();
    expect(parseMachineId('00000000000000000000000000000000')).toBeNull();
  });

  it('finds root disk encryption on the block-device tree (lsblk)', () => {
    expect(diskEncryptionFromLsblk(rec.LSBLK_LUKS_LVM)).toBe('on');
    // An encrypted data disk does not make `/` encrypted.
    expect(diskEncryptionFromLsblk(rec.LSBLK_PLAIN_OLD)).toBe('off');
    expect(diskEncryptionFromLsblk(rec.LSBLK_CONTAINER)).toBe('unknown');
    expect(diskEncryptionFromLsblk('lsblk: not json')).toBe('unknown');
  });

  it('walks sysfs slaves to a dm-crypt device when lsblk is missing', async () => {
    expect(rootDeviceFromMountinfo(rec.MOUNTINFO_DM)).toBe('253:1');
    expect(rootDeviceFromMountinfo(rec.MOUNTINFO_OVERLAY)).toBeNull();
    const tree = {
      links: { '/sys/dev/block/253:1': 'dm-1' },
      files: { '/sys/class/block/dm-1/dm/uuid': 'LVM-abc\n', '/sys/class/block/dm-0/dm/uuid': 'CRYPT-LUKS2-5c2b1e8e-luks\n' },
      dirs: { '/sys/class/block/dm-1/slaves': ['dm-0'], '/sys/class/block/dm-0/slaves': ['nvme0n1p3'], '/sys/class/block/nvme0n1p3/slaves': [] },
    };
    expect(await diskEncryptionFromSysfs(rec.MOUNTINFO_DM, sysfs(tree))).toBe('on');
    tree.files['/sys/class/block/dm-0/dm/uuid'] = 'LVM-def\n';
    expect(await diskEncryptionFromSysfs(rec.MOUNTINFO_DM, sysfs(tree))).toBe('off');
    expect(await diskEncryptionFromSysfs(rec.MOUNTINFO_OVERLAY, sysfs(tree))).toBe('unknown');
  });
});

describe('macOS sources (recorded)', () => {
  it('reads IOPlatformUUID and FileVault', () => {
    expect(parseIoregPlatformUuid(rec.IOREG)).toBe('9C1E4A77-0B2F-5D3C-8E6A-1F2B3C4D5E6F');
    expect(parseIoregPlatformUuid('no such class')).toBeNull();
    expect(parseFdesetupStatus(rec.FDESETUP_ON)).toBe('on');
    expect(parseFdesetupStatus(rec.FDESETUP_ENCRYPTING)).toBe('on');
    expect(parseFdesetupStatus(rec.FDESETUP_OFF)).toBe('off');
    expect(parseFdesetupStatus(rec.FDESETUP_DEFERRED)).toBe('unknown');
    expect(parseFdesetupStatus('')).toBe('unknown');
  });
});

describe('Windows sources (recorded)', () => {
  it('reads MachineGuid and BitLocker', () => {
    expect(parseMachineGuid(rec.REG_MACHINE_GUID)).toBe('6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8');
    expect(parseManageBde(rec.MANAGE_BDE_ON)).toBe('on');
    expect(parseManageBde(rec.MANAGE_BDE_OFF)).toBe('off');
    expect(parseManageBde(rec.MANAGE_BDE_DENIED)).toBe('unknown');
    expect(parsePowerShellProtectionStatus('On\r\n')).toBe('on');
    expect(parsePowerShellProtectionStatus('0')).toBe('off');
    expect(parsePowerShellProtectionStatus('Get-BitLockerVolume : Access denied')).toBe('unknown');
  });
});

describe('collector', () => {
  it('collects darwin evidence through the injected runner', async () => {
    const run = runner({
      'sw_vers -productVersion': ok('14.5\n'),
      'ioreg -rd1 -c IOPlatformExpertDevice': ok(rec.IOREG),
      'fdesetup status': ok(rec.FDESETUP_ON),
    });
    const evidence = await createAttestationCollector(deps({ platform: 'darwin', arch: 'arm64', run, packaged: true, buildId: 'a'.repeat(64) })).collect(SALT);
    expect(evidence).toEqual({
      platform: 'darwin', osRelease: 'macOS 14.5', arch: 'arm64', appVersion: '0.1.0', buildId: 'a'.repeat(64), packaged: true,
      machineIdHash: await machineIdHash(SALT, '9C1E4A77-0B2F-5D3C-8E6A-1F2B3C4D5E6F'), diskEncryption: 'on', debugger: false, keyStorage: 'keychain',
    });
  });

  it('collects win32 evidence, falling back to PowerShell when manage-bde is denied, else unknown', async () => {
    const answers: Record<string, CommandResult> = {
      'reg query HKLM\\SOFTWARE\\Microsoft\\Cryptography /v MachineGuid': ok(rec.REG_MACHINE_GUID),
      'manage-bde -status C:': { code: 1, stdout: rec.MANAGE_BDE_DENIED, stderr: '' },
      "powershell.exe -NoProfile -NonInteractive -Command (Get-BitLockerVolume -MountPoint 'C:').ProtectionStatus": ok('On\r\n'),
    };
    const collect = (a: Record<string, CommandResult>) => createAttestationCollector(deps({ platform: 'win32', kernelRelease: '10.0.22631', run: runner(a) })).collect(SALT);
    const evidence = await collect(answers);
    expect(evidence).toMatchObject({ platform: 'win32', osRelease: 'Windows 10.0.22631', diskEncryption: 'on', buildId: 'dev', packaged: false });
    expect(evidence.machineIdHash).toBe(await machineIdHash(SALT, '6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8'));
    delete answers["powershell.exe -NoProfile -NonInteractive -Command (Get-BitLockerVolume -MountPoint 'C:').ProtectionStatus"];
    expect((await collect(answers)).diskEncryption).toBe('unknown');
  });

  it('says unknown, never a guess, when nothing answers; and refuses to attest without a machine id', async () => {
    const files: Record<string, string> = { '/etc/machine-id': '3d1219c7c4c5404aaa1f6d2a48adfda4\n' };
    const collector = createAttestationCollector(deps({ readFile: async (p) => files[p] ?? null, factsTtlMs: 0 }));
    const evidence = await collector.collect(SALT);
    expect(evidence.diskEncryption).toBe('unknown');
    expect(evidence.osRelease).toBe('Linux 6.1.0-18-amd64');
    delete files['/etc/machine-id'];
    await expect(collector.collect(SALT)).rejects.toThrow(/no readable machine id/);
  });

  it('an injected machine-id source plays another machine: a different hash under the same salt', async () => {
    const a = await createAttestationCollector(deps({ machineId: async () => 'machine-a' })).collect(SALT);
    const b = await createAttestationCollector(deps({ machineId: async () => 'machine-b' })).collect(SALT);
    expect(a.machineIdHash).not.toBe(b.machineIdHash);
    // The salt is per gateway: the same machine hashes differently for another gateway.
    const other = await createAttestationCollector(deps({ machineId: async () => 'machine-a' })).collect(b64uEncode(new Uint8Array(32).fill(1)));
    expect(other.machineIdHash).not.toBe(a.machineIdHash);
  });

  it('reports a debugger and a dev build as they are', async () => {
    const evidence = await createAttestationCollector(deps({ machineId: async () => 'm', debuggerAttached: () => true, buildId: 'f'.repeat(64), packaged: false })).collect(SALT);
    expect(evidence.debugger).toBe(true);
    expect(evidence.buildId).toBe('dev');
  });

  it.runIf(process.platform === 'linux')('collects real evidence on this Linux machine', async () => {
    const evidence = await createAttestationCollector(nodeAttestationDeps({ appVersion: '0.1.0', buildId: 'dev', packaged: false })).collect(SALT);
    expect(evidenceSchema.parse(evidence)).toEqual(evidence);
    expect(evidence.platform).toBe('linux');
    expect(evidence.keyStorage).toBe('keychain');
    expect(['on', 'off', 'unknown']).toContain(evidence.diskEncryption);
    expect(evidence.debugger).toBe(false);
  });
});

describe('collector fact cache', () => {
  it('reuses the slow machine facts within the TTL, reads the debugger every time, and refreshes after', async () => {
    let now = 0;
    let debuggerOn = false;
    const run = runner({ 'lsblk -J -o NAME,TYPE,MOUNTPOINT': ok(rec.LSBLK_LUKS_LVM) });
    const collector = createAttestationCollector(deps({ run, machineId: async () => 'm', debuggerAttached: () => debuggerOn, now: () => now, factsTtlMs: 1000 }));
    await collector.collect(SALT);
    debuggerOn = true;
    const second = await collector.collect(SALT);
    expect(second.debugger).toBe(true);
    expect(run.calls.filter((c) => c.startsWith('lsblk'))).toHaveLength(1);
    now = 1000;
    await collector.collect(SALT);
    expect(run.calls.filter((c) => c.startsWith('lsblk'))).toHaveLength(2);
  });
});
