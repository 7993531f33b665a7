import { b64uDecode, concatBytes, sha256B64u, utf8 } from '../../../protocol/encoding.js';
import { evidence as evidenceSchema, type Evidence, type Platform } from '../../../protocol/schemas/evidence.js';
import type { CommandRunner } from '../ports.js';
import { parseFdesetupStatus, parseIoregPlatformUuid, parseSwVers } from './darwin.js';
import { diskEncryptionFromLsblk, diskEncryptionFromSysfs, parseMachineId, parseOsRelease, type DiskEncryption, type SysfsReader } from './linux.js';
import { parseMachineGuid, parseManageBde, parsePowerShellProtectionStatus } from './win32.js';

/** Where the collector reads the machine (files, commands), injected so tests can replay a machine. */
export interface AttestationDeps {
  platform: NodeJS.Platform;
  arch: string;
  /** The kernel release (`os.release()`), a last resort for the OS release. */
  kernelRelease: string;
  appVersion: string;
  /** SHA-256 of the packaged app (hex), or 'dev'. */
  buildId: string;
  packaged: boolean;
  run: CommandRunner;
  readFile(path: string): Promise<string | null>;
  sysfs: SysfsReader;
  /** Whether a debugger is attached (inspector, --inspect flags). */
  debuggerAttached(): boolean;
  /** Replaces the platform's machine id: lets a test play "another machine". */
  machineId?: () => Promise<string | null>;
  /** The system drive on Windows (`SystemDrive`), default `C:`. */
  systemDrive?: string;
  /**
   * How long the slow machine facts (OS release, machine id, disk encryption: a command each) are
   * reused, so enrollment and its first session do not run them twice. The debugger flag is read
   * on every collection. Default 60 s; 0 reads everything every time.
   */
  factsTtlMs?: number;
  now?: () => number;
}

export interface AttestationCollector {
  /** The evidence of PROTOCOL.md, with the machine id hashed under the gateway's salt. */
  collect(salt: string): Promise<Evidence>;
  /** The raw machine id this device reports (never sent; only its salted hash is). */
  machineId(): Promise<string>;
  /** Reads the slow machine facts ahead of time (enrollment does it while the challenge travels). */
  warm(): Promise<void>;
}

export class AttestationUnavailable extends Error {}

/** SHA-256(salt ‖ machine id), b64u: the salt as decoded bytes, the id as UTF-8. */
export function machineIdHash(salt: string, machineId: string): Promise<string> {
  return sha256B64u(concatBytes(b64uDecode(salt), utf8(machineId)));
}

function isPlatform(p: string): p is Platform {
  return p === 'linux' || p === 'darwin' || p === 'win32';
}

export function createAttestationCollector(deps: AttestationDeps): AttestationCollector {
  const drive = deps.systemDrive ?? 'C:';

  async function output(file: string, args: string[]): Promise<string | null> {
    const result = await deps.run(file, args);
    return result.code === 0 ? result.stdout : null;
  }

  async function osRelease(): Promise<string> {
    if (deps.platform === 'linux') {
      const text = (await deps.readFile('/etc/os-release')) ?? (await deps.readFile('/usr/lib/os-release'));
      return (text !== null ? parseOsRelease(text) : null) ?? `Linux ${deps.kernelRelease}`;
    }
    if (deps.platform === 'darwin') {
      const sw = await output('sw_vers', ['-productVersion']);
      return (sw !== null ? parseSwVers(sw) : null) ?? `Darwin ${deps.kernelRelease}`;
    }
    return `Windows ${deps.kernelRelease}`;
  }

  async function platformMachineId(): Promise<string | null> {
    if (deps.platform === 'linux') {
      for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
        const text = await deps.readFile(path);
        const id = text === null ? null : parseMachineId(text);
        if (id !== null) return id;
      }
      return null;
    }
    if (deps.platform === 'darwin') {
      const out = await output('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice']);
      return out === null ? null : parseIoregPlatformUuid(out);
    }
    const out = await output('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid']);
    return out === null ? null : parseMachineGuid(out);
  }

  async function diskEncryption(): Promise<DiskEncryption> {
    if (deps.platform === 'linux') {
      // sysfs first: a handful of file reads, where lsblk is a process spawned on every
      // collection (a fork of the whole app, 5-10 ms, part of it blocking the event loop, on the
      // enrollment path). Both read the same fact: a dm-crypt device (`CRYPT-` uuid) on the
      // device stack under `/`. lsblk still answers when mountinfo names no real block device
      // for `/` (btrfs reports an anonymous 0:N device), so it stays as the second source.
      const mountinfo = await deps.readFile('/proc/self/mountinfo');
      const fromSysfs = mountinfo === null ? 'unknown' : await diskEncryptionFromSysfs(mountinfo, deps.sysfs);
      if (fromSysfs !== 'unknown') return fromSysfs;
      const lsblk = await output('lsblk', ['-J', '-o', 'NAME,TYPE,MOUNTPOINT']);
      return lsblk === null ? 'unknown' : diskEncryptionFromLsblk(lsblk);
    }
    if (deps.platform === 'darwin') {
      const out = await output('fdesetup', ['status']);
      return out === null ? 'unknown' : parseFdesetupStatus(out);
    }
    const bde = await output('manage-bde', ['-status', drive]);
    const fromBde = bde === null ? 'unknown' : parseManageBde(bde);
    if (fromBde !== 'unknown') return fromBde;
    const ps = await output('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', `(Get-BitLockerVolume -MountPoint '${drive}').ProtectionStatus`]);
    return ps === null ? 'unknown' : parsePowerShellProtectionStatus(ps);
  }

  async function machineId(): Promise<string> {
    const id = deps.machineId ? await deps.machineId() : await platformMachineId();
    // Without a machine id the gateway could not tell a moved key: refuse to attest at all.
    if (id === null || id.length === 0) throw new AttestationUnavailable('This machine has no readable machine id, so it cannot be attested.');
    return id;
  }

  const ttl = deps.factsTtlMs ?? 60_000;
  const now = deps.now ?? Date.now;
  let facts: { at: number; value: Promise<[string, string, DiskEncryption]> } | null = null;
  function machineFacts(): Promise<[string, string, DiskEncryption]> {
    if (facts === null || now() - facts.at >= ttl) {
      const value = Promise.all([osRelease(), machineId(), diskEncryption()]);
      const entry = { at: now(), value };
      facts = entry;
      value.catch(() => {
        if (facts === entry) facts = null;
      });
    }
    return facts.value;
  }

  return {
    machineId,
    async warm() {
      await machineFacts();
    },
    async collect(salt) {
      if (!isPlatform(deps.platform)) throw new AttestationUnavailable(`Airlock does not support the platform ${deps.platform}.`);
      const [release, id, disk] = await machineFacts();
      return evidenceSchema.parse({
        platform: deps.platform,
        osRelease: release.slice(0, 200),
        arch: deps.arch,
        appVersion: deps.appVersion,
        buildId: deps.packaged ? deps.buildId : 'dev',
        packaged: deps.packaged,
        machineIdHash: await machineIdHash(salt, id),
        diskEncryption: disk,
        debugger: deps.debuggerAttached(),
        keyStorage: 'keychain',
      });
    },
  };
}
