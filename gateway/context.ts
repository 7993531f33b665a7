import { createHmac, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { createNonceIssuer, type NonceIssuer } from '../protocol/dpop/nonce-issuer.js';
import { jwkThumbprint } from '../protocol/dpop/thumbprint.js';
import { publicJwkOf, type Es256Signer } from '../protocol/jws/signer.js';
import type { EcPublicJwk } from '../protocol/schemas/common.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '../protocol/token/access-token.js';
import type { ConnectionHub } from './live/connection-hub.js';
import { createUpstreamUserIds } from './model/upstream-user.js';
import type { AuditLog } from './audit/audit-log.js';
import type { DeviceDirectory } from './auth/device-directory.js';
import { createLockRegistry, type LockRegistry } from './locks/lock-registry.js';
import type { ReplayGuard } from './auth/replay-guard.js';
import type { DataPaths, GatewaySecrets } from './config/data-dir.js';
import type { Logger } from './log.js';
import type { PolicyHolder } from './policy/holder.js';
import type { Store } from './store/store.js';
import type { AnswerTracer } from './tracing/answer-tracer.js';
import type { TpmAttestation } from './tpm-attestation/tpm-attestation.js';

/** Where model calls go: the built-in demo upstream or an OpenAI-compatible server (issue 4 reads it). */
export type UpstreamConfig = { kind: 'demo' } | { kind: 'url'; url: string };

export interface GatewayConfig {
  paths: DataPaths;
  /**
   * The public https origin: access-token iss and aud, the base of every DPoP `htu`, invite links.
   * Set once the gateway listens (port 0 is resolved then): read it per request, not at registration.
   */
  origin: string;
  listen: { host: string; port: number };
  upstream: UpstreamConfig;
  /** Model ids offered to testers (the issue-4 proxy may replace how these are found). */
  models: string[];
  /** Per client address, on the unauthenticated routes. */
  unauthRateLimit: { max: number; windowMs: number };
  /** Default request body bound, bytes (a route may set its own, e.g. chat). */
  bodyLimit: number;
  /** Seconds a DPoP nonce stays valid. */
  nonceLifetime: number;
  /** Seconds an enrollment challenge stays valid (PROTOCOL.md: 120). */
  challengeLifetime: number;
  /** Allowed distance of a proof's or attestation's iat from the gateway clock (PROTOCOL.md: 60). */
  iatWindow: number;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
  /** Whole seconds since the epoch, the unit of iat/exp. */
  nowSeconds(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  nowSeconds: () => Math.floor(Date.now() / 1000),
};

/** The gateway's own keys and the checks built on them. */
export interface GatewaySecurity {
  pin: string;
  caCertPem: string;
  tls: GatewaySecrets['tls'];
  machineIdSalt: string;
  tokenSigner: Es256Signer;
  tokenKid: string;
  tokens: AccessTokenVerifier;
  nonces: NonceIssuer;
  replay: ReplayGuard;
  devices: DeviceDirectory;
  /** Locks in force (issue 13), judged on every session and authenticated request. */
  locks: LockRegistry;
  /** The gateway's opaque id for a tester, sent upstream as `user` (model/upstream-user.ts). */
  upstreamUserOf: (tester: string) => string;
}

/**
 * Everything a gateway plugin needs, built once by the server and passed to `buildApp(ctx)`.
 * Shared with the model proxy, events and limits (issue 4): they use `store`, `policy`, `hub`,
 * `audit`, `clock` and `log`, and read `request.device` set by the auth plugin.
 */
export interface GatewayContext {
  config: GatewayConfig;
  store: Store;
  policy: PolicyHolder;
  hub: ConnectionHub;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  security: GatewaySecurity;
  /** Leak tracing (gateway/tracing/): fingerprints each answer after its call; absent, nothing is traced. */
  tracer?: AnswerTracer;
  /** TPM-bound device keys (gateway/tpm-attestation/); absent, a TPM proof is refused and no device is `tpm`. */
  tpm?: TpmAttestation;
}

/** The token key as an ES256 signer over node:crypto (raw r‖s signatures, as JWS wants). */
export function nodeEs256Signer(privateKey: KeyObject, publicKey: KeyObject): Es256Signer {
  return {
    publicJwk: publicJwkOf(publicKey.export({ format: 'jwk' })),
    async sign(input) {
      return new Uint8Array(nodeSign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    },
  };
}

/**
 * The origin (token iss/aud) is known only once the gateway listens when it was started on port 0,
 * so the verifier is made on first use, after listening, and remade if the origin ever changes.
 */
function lazyTokenVerifier(publicJwk: EcPublicJwk, config: GatewayConfig): AccessTokenVerifier {
  let verifier: AccessTokenVerifier | undefined;
  let origin = '';
  return {
    verify(token, now) {
      if (verifier === undefined || origin !== config.origin) {
        origin = config.origin;
        verifier = createAccessTokenVerifier({ publicJwk, issuer: origin, audience: origin });
      }
      return verifier.verify(token, now);
    },
  };
}

export async function createSecurity(
  secrets: GatewaySecrets,
  pin: string,
  config: GatewayConfig,
  clock: Clock,
  parts: { replay: ReplayGuard; devices: DeviceDirectory; /** The nonce key of this run (auth/nonce-key.ts); default: the persisted secret. */ nonceKey?: Buffer; locks?: LockRegistry },
): Promise<GatewaySecurity> {
  const nonceKey = parts.nonceKey ?? secrets.nonceSecret;
  const tokenSigner = nodeEs256Signer(secrets.tokenPrivateKey, secrets.tokenPublicKey);
  const publicJwk: EcPublicJwk = tokenSigner.publicJwk;
  return {
    pin,
    caCertPem: secrets.caCertPem,
    tls: secrets.tls,
    machineIdSalt: secrets.machineIdSalt,
    tokenSigner,
    tokenKid: await jwkThumbprint(publicJwk),
    tokens: lazyTokenVerifier(publicJwk, config),
    nonces: createNonceIssuer({
      hmac: (data) => new Uint8Array(createHmac('sha256', nonceKey).update(data).digest()),
      random: (n) => new Uint8Array(randomBytes(n)),
      now: () => clock.nowSeconds(),
      lifetime: config.nonceLifetime,
    }),
    replay: parts.replay,
    devices: parts.devices,
    locks: parts.locks ?? createLockRegistry({ listLocks: async () => [] }),
    upstreamUserOf: createUpstreamUserIds(secrets.nonceSecret),
  };
}
