import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY, type Policy } from '../../../protocol/schemas/policy.js';
import type { Evidence } from '../../../protocol/schemas/evidence.js';
import { compareVersions, evaluateEvidence } from '../../../gateway/policy/evaluate.js';
import { createPolicyHolder, loadPolicyFile } from '../../../gateway/policy/holder.js';

const ok: Evidence = { platform: 'linux', osRelease: '6.1', arch: 'x64', appVersion: '1.2.3', buildId: 'a'.repeat(64), packaged: true, machineIdHash: 'A'.repeat(43), diskEncryption: 'on', debugger: false, keyStorage: 'keychain' };
const strict: Policy = { ...DEFAULT_POLICY, allowedPlatforms: ['linux', 'darwin'], minAppVersion: '1.2.0', allowDevBuilds: false, requireDiskEncryption: true, refuseDebugger: true, requireTrustedBuild: true, trustedBuildIds: ['a'.repeat(64)] };

describe('evaluateEvidence', () => {
  it('passes evidence that meets every rule', () => {
    expect(evaluateEvidence(ok, strict)).toBeNull();
    expect(evaluateEvidence({ ...ok, buildId: 'dev', packaged: false, diskEncryption: 'unknown', debugger: true }, DEFAULT_POLICY)).toBeNull();
  });

  it.each([
    ['allowedPlatforms', { platform: 'win32' }],
    ['minAppVersion', { appVersion: '1.1.9' }],
    ['minAppVersion', { appVersion: '1.2.0-beta.1' }],
    ['allowDevBuilds', { packaged: false }],
    ['allowDevBuilds', { buildId: 'dev' }],
    ['requireDiskEncryption', { diskEncryption: 'unknown' }],
    ['requireDiskEncryption', { diskEncryption: 'off' }],
    ['refuseDebugger', { debugger: true }],
    ['requireTrustedBuild', { buildId: 'b'.repeat(64) }],
  ] as const)('names %s', (rule, change) => {
    const verdict = evaluateEvidence({ ...ok, ...change } as Evidence, strict);
    expect(verdict?.rule).toBe(rule);
    expect(verdict?.message).toContain(rule);
  });

  it('names minKeyStorage when hardware keys are required', () => {
    expect(evaluateEvidence(ok, { ...strict, minKeyStorage: 'tpm' })?.rule).toBe('minKeyStorage');
    expect(evaluateEvidence({ ...ok, keyStorage: 'tpm' }, { ...strict, minKeyStorage: 'tpm' })).toBeNull();
  });

  it('admits build ids of admitted release manifests', () => {
    expect(evaluateEvidence({ ...ok, buildId: 'c'.repeat(64) }, strict, new Set(['c'.repeat(64)]))).toBeNull();
  });
});

describe('compareVersions', () => {
  it('orders by semantic-version precedence', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0);
    expect(compareVersions('1.2.3-rc.1', '1.2.3')).toBe(-1);
    expect(compareVersions('1.2.3', '1.2.3-rc.1')).toBe(1);
    expect(compareVersions('0.0.0', '0.0.1')).toBe(-1);
  });
});

describe('policy file', () => {
  it('refuses a bad file naming the field, and a reload keeps the policy in force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-policy-'));
    const path = join(dir, 'policy.json');
    await writeFile(path, JSON.stringify({ minAppVersion: '2.0.0' }));
    const holder = await createPolicyHolder(path);
    const seen: string[] = [];
    holder.onChange((p) => seen.push(p.minAppVersion));
    expect(holder.current().minAppVersion).toBe('2.0.0');
    await writeFile(path, JSON.stringify({ limits: { requestsPerMinute: -1 } }));
    await expect(holder.reload()).rejects.toThrow(/field "limits\.requestsPerMinute"/);
    await writeFile(path, JSON.stringify({ surprise: true }));
    await expect(loadPolicyFile(path)).rejects.toThrow(/surprise/);
    await writeFile(path, '{ not json');
    await expect(loadPolicyFile(path)).rejects.toThrow(/not valid JSON/);
    expect(holder.current().minAppVersion).toBe('2.0.0');
    await writeFile(path, JSON.stringify({ minAppVersion: '3.0.0' }));
    await holder.reload();
    expect(seen).toEqual(['3.0.0']);
  });
});
