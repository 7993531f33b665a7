import { z } from 'zod';
import { platform, keyStorage, appVersion } from './evidence.js';
import { ecPublicJwk, sha256Hex } from './common.js';

/** One PEM certificate block; it is parsed as X.509 where it is used (gateway/tpm-attestation/). */
const pemCertificate = z
  .string()
  .max(16_384)
  .regex(/^\s*-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*$/, 'must be one PEM certificate (-----BEGIN CERTIFICATE----- ...)');

export const limits = z.strictObject({
  requestsPerMinute: z.number().int().positive().default(60),
  tokensPerDay: z.number().int().positive().default(200_000),
  streamsPerDevice: z.number().int().positive().default(2),
  /** Open `/v1/events` channels a device may hold: the app needs one, plus room for a reconnect. */
  eventChannelsPerDevice: z.number().int().positive().default(4),
});

/**
 * `DATA/policy.json` (DESIGN.md, "Policy"). Every field has a safe default; unknown fields are refused.
 * Each field and its default is a row of docs/CONFIGURATION.md's "Policy" table (checked by test/unit/docs).
 */
export const policy = z.strictObject({
  tokenLifetimeSeconds: z.number().int().min(30).max(86_400).default(900),
  allowedPlatforms: z.array(platform).min(1).default(['linux', 'darwin', 'win32']),
  minAppVersion: appVersion.default('0.0.0'),
  allowDevBuilds: z.boolean().default(true),
  requireDiskEncryption: z.boolean().default(false),
  refuseDebugger: z.boolean().default(false),
  minKeyStorage: keyStorage.default('keychain'),
  /**
   * CA certificates (PEM) a TPM's endorsement-key certificate must chain to for a `tpm` enrollment
   * (gateway/tpm-attestation/): manufacturers' roots and intermediates. Empty: no TPM is trusted.
   */
  tpmEkCAs: z.array(pemCertificate).max(64).default([]),
  requireTrustedBuild: z.boolean().default(false),
  /** Public keys that sign release manifests (see build/). */
  releaseKeys: z.array(ecPublicJwk).default([]),
  /** Build ids admitted directly, besides those listed in admitted manifests. */
  trustedBuildIds: z.array(sha256Hex).default([]),
  limits: limits.default({ requestsPerMinute: 60, tokensPerDay: 200_000, streamsPerDevice: 2, eventChannelsPerDevice: 4 }),
  watermark: z.boolean().default(true),
  contentProtection: z.boolean().default(true),
  chatHistory: z.enum(['none', 'encrypted']).default('none'),
  /** Prompts and outputs are audited only when this is on. */
  auditContent: z.boolean().default(false),
  /** Days the leak-tracing fingerprints of an answer are kept (gateway/tracing/); older ones are deleted. */
  traceRetentionDays: z.number().int().min(1).max(3650).default(90),
});
export type Policy = z.infer<typeof policy>;
/** A policy file as written: every field with a default may be left out. */
export type PolicyInput = z.input<typeof policy>;
export const DEFAULT_POLICY: Policy = policy.parse({});

/** The part of the policy a client acts on; sent at enrollment and in `policy` events. */
export const clientPolicy = z.strictObject({
  tokenLifetimeSeconds: z.number().int().positive(),
  watermark: z.boolean(),
  contentProtection: z.boolean(),
  chatHistory: z.enum(['none', 'encrypted']),
});
export type ClientPolicy = z.infer<typeof clientPolicy>;

export function toClientPolicy(p: Policy): ClientPolicy {
  return {
    tokenLifetimeSeconds: p.tokenLifetimeSeconds,
    watermark: p.watermark,
    contentProtection: p.contentProtection,
    chatHistory: p.chatHistory,
  };
}
