/**
 * tpmSigner keeps the loaded key's context in memory: the first signature loads the kept blob, the
 * next ones sign with one tool call, and a context the TPM refuses (after a reboot) is reloaded.
 * The tools are faked here (what they write is shaped as tpm2-tools writes it); the real TPM is in
 * test/integration/tpm/tpm-device.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';
import { STORAGE_PARENT, type TpmKeyRecord } from '../../../main/core/tpm/key-record.js';
import { tpmSigner } from '../../../main/core/tpm/tpm-device.js';
import { createTpmTools, TpmToolError, type TpmTools } from '../../../main/core/tpm/tpm-tools.js';

/** A TPMT_SIGNATURE: ECDSA (0x0018), SHA-256 (0x000b), r and s as TPM2B of 32 bytes. */
function tpmtSignature(fill: number): Uint8Array {
  const out = new Uint8Array(4 + 2 + 32 + 2 + 32);
  out.set([0x00, 0x18, 0x00, 0x0b, 0x00, 0x20], 0);
  out.fill(fill, 6, 38);
  out.set([0x00, 0x20], 38);
  out.fill(fill, 40, 72);
  return out;
}

function fakeTpm(root: string): TpmTools & { calls: string[]; bootId: number } {
  const real = createTpmTools({ tcti: 'swtpm:host=127.0.0.1,port=1', tmpRoot: root });
  const state = { calls: [] as string[], bootId: 1 };
  const arg = (args: readonly string[], flag: string): string => args[args.indexOf(flag) + 1]!;
  return {
    ...real,
    get calls() {
      return state.calls;
    },
    get bootId() {
      return state.bootId;
    },
    set bootId(v: number) {
      state.bootId = v;
    },
    async run(tool, args) {
      state.calls.push(tool);
      if (tool === 'tpm2_createprimary') await writeFile(arg(args, '-c'), 'parent');
      else if (tool === 'tpm2_load') await writeFile(arg(args, '-c'), `context of boot ${state.bootId}`);
      else if (tool === 'tpm2_sign') {
        // A saved context is good only until the TPM restarts.
        if ((await readFile(arg(args, '-c'), 'utf8')) !== `context of boot ${state.bootId}`) throw new TpmToolError('tpm2_sign', 'Esys_ContextLoad: integrity check failed', false);
        await writeFile(arg(args, '-o'), tpmtSignature(state.calls.length));
      } else throw new Error(`unexpected ${tool}`);
      return '';
    },
  };
}

describe('tpmSigner', () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });

  it('loads once, then signs with one tool call; reloads when the TPM no longer takes the context', async () => {
    const root = await mkdtemp(join(tmpdir(), 'airlock-tpm-signer-'));
    roots.push(root);
    const tpm = fakeTpm(root);
    const key: TpmKeyRecord = { kind: 'tpm', publicJwk: (await generateEphemeralSigner()).publicJwk, public: 'AAAA', private: 'AAAA', parent: STORAGE_PARENT };
    const signer = tpmSigner(tpm, key);

    expect(await signer.sign(new Uint8Array([1]))).toHaveLength(64);
    expect(tpm.calls).toEqual(['tpm2_createprimary', 'tpm2_load', 'tpm2_sign']);
    tpm.calls.length = 0;
    await signer.sign(new Uint8Array([2]));
    await signer.sign(new Uint8Array([3]));
    expect(tpm.calls).toEqual(['tpm2_sign', 'tpm2_sign']);

    tpm.calls.length = 0;
    tpm.bootId = 2;
    expect(await signer.sign(new Uint8Array([4]))).toHaveLength(64);
    expect(tpm.calls).toEqual(['tpm2_sign', 'tpm2_createprimary', 'tpm2_load', 'tpm2_sign']);
  });
});
