/** Issue 13: `policy check` lists every error, and `policy reload` says what changed and when it counts. */
import { describe, expect, it } from 'vitest';
import { checkPolicyText } from '../../../gateway/policy/check.js';
import { diffPolicies } from '../../../gateway/policy/diff.js';
import { DEFAULT_POLICY } from '../../../protocol/schemas/policy.js';

describe('policy check', () => {
  it('lists every error, not only the first, each naming its field', () => {
    const result = checkPolicyText(JSON.stringify({ allowedPlatforms: ['amiga'], minAppVersion: 'soon', limits: { tokensPerDay: -1 }, colour: 'blue' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(4);
    expect(result.errors.join('\n')).toMatch(/"allowedPlatforms\.0"[\s\S]*"minAppVersion"[\s\S]*"limits\.tokensPerDay"[\s\S]*"colour"/);
  });

  it('accepts a valid file and says when the text is not JSON', () => {
    expect(checkPolicyText('{"refuseDebugger": true}')).toMatchObject({ ok: true, policy: { refuseDebugger: true } });
    expect(checkPolicyText('{')).toMatchObject({ ok: false, errors: [expect.stringMatching(/^not valid JSON/)] });
  });
});

describe('policy reload diff', () => {
  it('names each changed field and when it counts: now, or at each next session within the old token lifetime', () => {
    const after = { ...DEFAULT_POLICY, minAppVersion: '2.0.0', watermark: false, limits: { ...DEFAULT_POLICY.limits, tokensPerDay: 5 } };
    const { changes, longestWaitSeconds } = diffPolicies(DEFAULT_POLICY, after);
    expect(changes.map((c) => [c.field, c.before, c.after, c.takesEffect])).toEqual([
      ['minAppVersion', '0.0.0', '2.0.0', 'next-session'],
      ['limits.tokensPerDay', 200_000, 5, 'now'],
      ['watermark', true, false, 'now'],
    ]);
    expect(longestWaitSeconds).toBe(DEFAULT_POLICY.tokenLifetimeSeconds);
    expect(diffPolicies(DEFAULT_POLICY, { ...DEFAULT_POLICY, limits: { ...DEFAULT_POLICY.limits, requestsPerMinute: 1 } }).longestWaitSeconds).toBe(0);
    expect(diffPolicies(DEFAULT_POLICY, DEFAULT_POLICY).changes).toEqual([]);
    // Issue 18: the TPM makers' CAs are read by each TPM enrollment, so they count now; minKeyStorage at the next session.
    const tpm = diffPolicies(DEFAULT_POLICY, { ...DEFAULT_POLICY, tpmEkCAs: ['-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----'], minKeyStorage: 'tpm' });
    expect(tpm.changes.map((c) => [c.field, c.takesEffect])).toEqual([['minKeyStorage', 'next-session'], ['tpmEkCAs', 'now']]);
  });
});
