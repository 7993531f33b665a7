import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { accepts, startSwtpm, type SoftwareTpm } from '../../helpers/swtpm.js';

const run = promisify(execFile);

describe('test/helpers/swtpm.ts: a software TPM per test', () => {
  const started: SoftwareTpm[] = [];
  afterAll(async () => {
    for (const tpm of started) await tpm.stop();
  });

  it('answers tpm2-tools on its TCTI and holds an EK certificate issued by its own local CA', async () => {
    const tpm = await startSwtpm();
    started.push(tpm);
    const env = { ...process.env, TPM2TOOLS_TCTI: tpm.tcti };
    const { stdout } = await run('tpm2_getcap', ['properties-fixed'], { env });
    expect(stdout).toContain('TPM2_PT_FAMILY_INDICATOR');
    const dir = await mkdtemp(join(tmpdir(), 'swtpm-helper-test-'));
    try {
      await run('tpm2_nvread', ['0x01c00002', '-C', 'o', '-o', join(dir, 'ek.der')], { env });
      const ek = new X509Certificate(await readFile(join(dir, 'ek.der')));
      const [root, issuer] = tpm.ca.pems.map((pem) => new X509Certificate(pem));
      expect(ek.verify(issuer!.publicKey)).toBe(true);
      expect(issuer!.verify(root!.publicKey)).toBe(true);
      expect(root!.verify(root!.publicKey)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('plays a second TPM of the same manufacturer (shared CA) and one of another (own CA)', async () => {
    const first = started[0]!;
    const sibling = await startSwtpm({ ca: first.ca });
    started.push(sibling);
    const stranger = await startSwtpm();
    started.push(stranger);
    expect(sibling.ca.rootPem).toBe(first.ca.rootPem);
    expect(stranger.ca.rootPem).not.toBe(first.ca.rootPem);
    expect(new Set([first.port, sibling.port, stranger.port]).size).toBe(3);
  });

  it('stop() ends the process and removes its state and its own CA', async () => {
    const tpm = await startSwtpm();
    await tpm.stop();
    await tpm.stop();
    expect(existsSync(tpm.stateDir)).toBe(false);
    expect(existsSync(tpm.ca.dir)).toBe(false);
    expect(await accepts(tpm.port)).toBe(false);
  });
});
