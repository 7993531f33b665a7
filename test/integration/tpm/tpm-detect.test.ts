/**
 * TPM detection and the tester's one-sentence advice: no device, a device this user may not open
 * (checked as a second OS user through runuser, since root opens anything), no tpm2-tools, and a
 * TPM that answers (swtpm).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectTpm, groupName, tpmAdvice, type TpmAvailability } from '../../../main/core/tpm/detect.js';
import { createTpmTools } from '../../../main/core/tpm/tpm-tools.js';
import { startSwtpm, type SoftwareTpm } from '../../helpers/swtpm.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const script = fileURLToPath(new URL('./support/detect-tpm.ts', import.meta.url));
if (!isRoot) console.log('test/integration/tpm/tpm-detect.test.ts: the second-user cases need root (useradd, runuser) and are skipped.');

describe('TPM detection and advice', () => {
  let root: string;
  let swtpm: SoftwareTpm;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'airlock-tpm-detect-'));
    await chmod(root, 0o755);
    swtpm = await startSwtpm();
  }, 120_000);
  afterAll(async () => {
    await swtpm?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('no device: says the TPM is missing and how to turn it on', async () => {
    const answer = await detectTpm({ tools: createTpmTools({ tcti: `device:${join(root, 'tpmrm0')}` }) });
    expect(answer).toMatchObject({ usable: false, reason: 'no-device' });
    expect((answer as { advice: string }).advice).toBe(tpmAdvice('no-device', { device: join(root, 'tpmrm0') }));
    expect((answer as { advice: string }).advice).toMatch(/firmware settings/);
  });

  it('no tpm2-tools: says to install them', async () => {
    const answer = await detectTpm({ tools: createTpmTools({ tcti: swtpm.tcti, env: { PATH: join(root, 'no-bin') } }) });
    expect(answer).toMatchObject({ usable: false, reason: 'no-tools', advice: 'Ask your administrator to install the TPM tools (sudo apt install tpm2-tools), then restart Airlock.' });
  });

  it('a TPM that answers is usable', async () => {
    expect(await detectTpm({ tools: createTpmTools({ tcti: swtpm.tcti }) })).toEqual({ usable: true, tcti: swtpm.tcti });
  });

  it('names the group of the device from /etc/group', () => {
    expect(groupName('root:x:0:\ntss:x:109:\n', 109)).toBe('tss');
    expect(groupName('root:x:0:\n', 109)).toBeNull();
  });

  describe.skipIf(!isRoot)('as a second OS user', () => {
    const user = `airl-tpm-${process.pid}`;
    let device: string;
    let bundle: string;

    beforeAll(async () => {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
      // A stand-in for /dev/tpmrm0 as udev makes it: root:tss 0660.
      device = join(root, 'tpmrm0');
      await writeFile(device, '');
      await chown(device, 0, Number(execFileSync('getent', ['group', 'tss'], { encoding: 'utf8' }).split(':')[2]));
      await chmod(device, 0o660);
      // The second user may not be able to read the repository (a clone under /root is 0700 on a
      // minimal image), so the detection script runs as one bundled file in the 0755 temp dir.
      bundle = join(root, 'detect-tpm.mjs');
      await build({ entryPoints: [script], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, logLevel: 'silent' });
      await chmod(bundle, 0o644);
    }, 60_000);
    afterAll(() => {
      execFileSync('userdel', [user]);
    });

    async function detectAs(): Promise<TpmAvailability> {
      const { stdout } = await run('runuser', ['-u', user, '--', process.execPath, bundle], {
        cwd: root,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TPM2TOOLS_TCTI: `device:${device}`, HOME: root },
        timeout: 60_000,
      });
      return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as TpmAvailability;
    }

    it('a device it may not open: asks to be added to the device\'s group, in one sentence', async () => {
      const answer = await detectAs();
      expect(answer).toEqual({
        usable: false,
        tcti: `device:${device}`,
        reason: 'no-permission',
        advice: 'Ask your administrator to add you to the tss group (sudo usermod -aG tss $USER), then sign out and in again.',
      });
    });

    it('once in that group, the permission advice is gone', async () => {
      execFileSync('usermod', ['-aG', 'tss', user]);
      const answer = await detectAs();
      // The stand-in file is no TPM: it now fails further on, at asking the TPM.
      expect(answer).toMatchObject({ usable: false, reason: 'not-responding' });
    });
  });
});
