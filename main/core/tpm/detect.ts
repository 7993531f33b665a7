/**
 * Is there a TPM 2.0 this user can use, and if not, what one thing should the tester do?
 * For a device TCTI (`device:/dev/tpmrm0`, the default) the device file is checked first (absent;
 * present but not readable and writable by this user, with the group that would grant it), then
 * tpm2-tools is asked (`tpm2_getcap properties-fixed`) whether a TPM 2.0 answers.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { TpmToolError, type TpmTools } from './tpm-tools.js';

export type TpmUnusableReason = 'no-device' | 'no-permission' | 'no-tools' | 'not-responding' | 'no-ek-certificate';

export type TpmAvailability = { usable: true; tcti: string } | { usable: false; tcti: string; reason: TpmUnusableReason; advice: string };

/** One sentence, in the tester's words, saying what to do. */
export function tpmAdvice(reason: TpmUnusableReason, facts: { device?: string; group?: string } = {}): string {
  const device = facts.device ?? '/dev/tpmrm0';
  switch (reason) {
    case 'no-device':
      return `This computer shows no TPM 2.0 (${device} is missing): turn on the TPM (often called fTPM, PTT or Security Chip) in the firmware settings, or ask your administrator.`;
    case 'no-permission': {
      const group = facts.group ?? 'tss';
      return `Ask your administrator to add you to the ${group} group (sudo usermod -aG ${group} $USER), then sign out and in again.`;
    }
    case 'no-tools':
      return 'Ask your administrator to install the TPM tools (sudo apt install tpm2-tools), then restart Airlock.';
    case 'not-responding':
      return 'The TPM did not answer: restart the computer, and if it still does not answer, ask your administrator.';
    case 'no-ek-certificate':
      return 'This computer\'s TPM holds no endorsement certificate, so it cannot prove who made it: ask your administrator.';
  }
}

/** The group name of a gid, from /etc/group (no NSS lookups: a plain file read). */
export function groupName(groupFile: string, gid: number): string | null {
  for (const line of groupFile.split('\n').slice(0, 10_000)) {
    const [name, , id] = line.split(':');
    if (name !== undefined && id !== undefined && Number(id) === gid && name.length > 0 && name.length <= 64) return name;
  }
  return null;
}

export interface DetectDeps {
  tools: TpmTools;
  readGroupFile?: () => Promise<string>;
}

function devicePath(tcti: string): string | null {
  const match = /^device:(\/.+)$/.exec(tcti);
  return match ? match[1]! : null;
}

export async function detectTpm(deps: DetectDeps): Promise<TpmAvailability> {
  const { tcti } = deps.tools;
  const unusable = (reason: TpmUnusableReason, facts: { device?: string; group?: string } = {}): TpmAvailability => ({ usable: false, tcti, reason, advice: tpmAdvice(reason, facts) });
  const device = devicePath(tcti);
  if (device !== null) {
    let gid: number;
    try {
      gid = (await stat(device)).gid;
    } catch {
      return unusable('no-device', { device });
    }
    try {
      await access(device, constants.R_OK | constants.W_OK);
    } catch {
      const groups = await (deps.readGroupFile ?? (() => readFile('/etc/group', 'utf8')))().catch(() => '');
      return unusable('no-permission', { device, group: groupName(groups, gid) ?? 'tss' });
    }
  }
  try {
    const out = await deps.tools.inWorkDir((dir) => deps.tools.run('tpm2_getcap', ['properties-fixed'], dir.path));
    if (!/TPM2_PT_FAMILY_INDICATOR:[\s\S]*?value: "2\.0"/.test(out)) return unusable('not-responding');
  } catch (error) {
    if (error instanceof TpmToolError && error.missing) return unusable('no-tools');
    return unusable('not-responding');
  }
  return { usable: true, tcti };
}
