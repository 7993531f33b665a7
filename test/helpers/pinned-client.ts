/**
 * A small Airlock client for tests and benchmarks, made from protocol/ helpers only:
 *
 * - `GatewayClient`: HTTPS over an undici Agent that trusts ONLY the gateway's CA (never the
 *   system roots) and checks the CA's SPKI pin on the peer chain of every connection; keep-alive.
 *   Certificate checks are never disabled.
 * - `createTestDevice(client)`: a device with an ES256 key (in memory: tests only; the app keeps
 *   its key in the OS keychain) that enrolls from an invite link, opens sessions and makes
 *   DPoP-authenticated calls, retrying once on `use_dpop_nonce` as PROTOCOL.md says. Lower-level
 *   pieces (`proof`, `attestation`, `raw`) let a test build deliberately wrong requests.
 *
 * Usage:
 *   const client = new GatewayClient({ origin: gw.url, caPem: gw.caPem, pins: [gw.pin] });
 *   const device = await createTestDevice(client);
 *   await device.enroll(await gw.invite('a@example.com'));
 *   await device.session();
 *   const res = await device.fetch('GET', '/v1/models');   // res.status, res.json()
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { Agent, request } from 'undici';
import { createEnrollAttestation, createSessionAttestation } from '../../protocol/attestation/attestation.js';
import { createDpopProof } from '../../protocol/dpop/create-proof.js';
import { normalizeHtu } from '../../protocol/dpop/htu.js';
import { jwkThumbprint } from '../../protocol/dpop/thumbprint.js';
import { parseInviteLink } from '../../protocol/invite/link.js';
import { publicJwkOf, type Es256Signer } from '../../protocol/jws/signer.js';
import type { ErrorCode } from '../../protocol/errors.js';
import { errorBody } from '../../protocol/schemas/common.js';
import { enrollChallengeResponse, enrollResponse, type EnrollResponse } from '../../protocol/schemas/enroll.js';
import type { Evidence } from '../../protocol/schemas/evidence.js';
import { sessionResponse, type SessionResponse } from '../../protocol/schemas/session.js';

/** `sha256/<base64>` of a DER certificate's SubjectPublicKeyInfo (node:crypto, synchronous). */
export function pinOfDerCertificate(der: Buffer): string {
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

/** The error a pin mismatch raises inside the TLS handshake (the socket is destroyed). */
export class ConnectionNotTrusted extends Error {
  readonly code = 'connection_not_trusted';
  override name = 'ConnectionNotTrusted';
}

/**
 * Hostname check as usual, then: some CA certificate in the presented chain must have a pinned
 * SPKI. The chain itself was already verified against `ca` (only the gateway's CA) by TLS.
 */
export function pinnedServerIdentity(pins: readonly string[]) {
  return (host: string, cert: PeerCertificate): Error | undefined => {
    const hostError = checkServerIdentity(host, cert);
    if (hostError) return hostError;
    const seen = new Set<string>();
    for (let c: PeerCertificate | undefined = cert; c && !seen.has(c.fingerprint256); c = (c as { issuerCertificate?: PeerCertificate }).issuerCertificate) {
      seen.add(c.fingerprint256);
      if (c.raw && new X509Certificate(c.raw).ca && pins.includes(pinOfDerCertificate(c.raw))) return undefined;
    }
    return new ConnectionNotTrusted(`connection_not_trusted: no certificate in the gateway's chain matches the pins ${pins.join(', ')}`);
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (throws if it is not JSON). */
  json<T = unknown>(): T;
  /** `error.code` of an error body, or undefined. */
  errorCode: ErrorCode | undefined;
}

export interface RawRequestOptions {
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is (with content-type application/json unless given). */
  body?: unknown;
}

export class GatewayClient {
  readonly origin: string;
  readonly agent: Agent;

  /** `lookup`: the test's own resolver, to reach a gateway by a public name no DNS knows (TLS still checks that name). */
  constructor(options: { origin: string; caPem: string; pins: string[]; connections?: number; lookup?: LookupFunction }) {
    this.origin = options.origin;
    this.agent = new Agent({
      connections: options.connections ?? 8,
      keepAliveTimeout: 30_000,
      connect: { ca: options.caPem, minVersion: 'TLSv1.2', checkServerIdentity: pinnedServerIdentity(options.pins), ...(options.lookup ? { lookup: options.lookup } : {}) },
    });
  }

  async raw(method: string, path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Buffer | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await request(`${this.origin}${path}`, { method: method as 'GET', headers, body, dispatcher: this.agent });
    const text = await response.body.text();
    let errorCode: ErrorCode | undefined;
    if (response.statusCode >= 400) {
      try {
        const parsed = errorBody.safeParse(JSON.parse(text));
        if (parsed.success) errorCode = parsed.data.error.code;
      } catch {
        // not JSON
      }
    }
    return { status: response.statusCode, headers: response.headers, text, json: <T>() => JSON.parse(text) as T, errorCode };
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** Drops every connection at once (after a gateway was killed). */
  destroy(): Promise<void> {
    return this.agent.destroy();
  }
}

/** An error answer of the gateway, thrown by the device's enroll and session steps. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly status: number, readonly code: ErrorCode | undefined, message: string, readonly response: RawResponse) {
    super(`${status} ${code ?? '(no code)'}: ${message}`);
  }
}

/** The ApiError a step was refused with; anything else it throws is rethrown, and success is an error. */
export async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

function fail(response: RawResponse): never {
  let message = response.text;
  try {
    message = response.json<{ error: { message: string } }>().error.message;
  } catch {
    // keep the raw text
  }
  throw new ApiError(response.status, response.errorCode, message, response);
}

/** An in-memory ES256 signer over node:crypto (fast, for tests and benchmarks; never a real device key). */
export function nodeSigner(): Es256Signer & { privateKey: KeyObject } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicJwk: publicJwkOf(createPublicKey(privateKey).export({ format: 'jwk' })),
    async sign(input) {
      return new Uint8Array(sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    },
  };
}

export function machineIdHash(saltB64u: string, machineId: string): string {
  return createHash('sha256').update(Buffer.from(saltB64u, 'base64url')).update(machineId, 'utf8').digest('base64url');
}

export function defaultEvidence(hash: string): Evidence {
  return { platform: 'linux', osRelease: '6.1.0', arch: 'x64', appVersion: '0.1.0', buildId: 'dev', packaged: false, machineIdHash: hash, diskEncryption: 'on', debugger: false, keyStorage: 'keychain' };
}

export interface ProofOptions {
  nonce?: string | null;
  accessToken?: string;
  /** Seconds since the epoch (default: now). */
  iat?: number;
  /** Fixed jti bytes, to build a replay. */
  random?: Uint8Array;
}

export interface TestDevice {
  readonly client: GatewayClient;
  signer: Es256Signer;
  readonly jkt: string;
  machineId: string;
  deviceId: string | undefined;
  tester: string | undefined;
  salt: string | undefined;
  /** The last DPoP-Nonce the gateway sent. */
  nonce: string | undefined;
  accessToken: string | undefined;
  /** Evidence with this device's machine-id hash (needs the salt from enrollment) and any overrides. */
  evidence(overrides?: Partial<Evidence>): Evidence;
  /** The invite code of a link (or a bare code). */
  challenge(linkOrCode: string): Promise<{ nonce: string; expiresIn: number; salt: string }>;
  enroll(linkOrCode: string, options?: { evidence?: Partial<Evidence> }): Promise<EnrollResponse>;
  /** Opens a session (fetching a nonce first when it has none); stores the token. */
  session(options?: { evidence?: Partial<Evidence>; attestationNonce?: string; attestationSigner?: Es256Signer }): Promise<SessionResponse>;
  proof(method: string, path: string, options?: ProofOptions): Promise<string>;
  /** A DPoP-authenticated call with the current token; retries once on use_dpop_nonce. */
  fetch(method: string, path: string, options?: { body?: unknown; accessToken?: string; headers?: Record<string, string>; retryNonce?: boolean }): Promise<RawResponse>;
}

export async function createTestDevice(client: GatewayClient, options: { signer?: Es256Signer; machineId?: string } = {}): Promise<TestDevice> {
  const signer = options.signer ?? nodeSigner();
  const remember = (response: RawResponse) => {
    const nonce = response.headers['dpop-nonce'];
    if (typeof nonce === 'string') device.nonce = nonce;
    return response;
  };
  const encodedProofHeader = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: signer.publicJwk })).toString('base64url');
  let athCache: { token: string; ath: string } | undefined;
  const codeOf = (linkOrCode: string) => (linkOrCode.startsWith('airlock:') ? parseInviteLink(linkOrCode).code : linkOrCode);

  const device: TestDevice = {
    client,
    signer,
    jkt: await jwkThumbprint(signer.publicJwk),
    machineId: options.machineId ?? randomBytes(16).toString('hex'),
    deviceId: undefined,
    tester: undefined,
    salt: undefined,
    nonce: undefined,
    accessToken: undefined,

    evidence(overrides = {}) {
      if (device.salt === undefined) throw new Error('enroll first: the machine-id salt comes with the challenge');
      return { ...defaultEvidence(machineIdHash(device.salt, device.machineId)), ...overrides };
    },

    async challenge(linkOrCode) {
      const response = await client.raw('POST', '/v1/enroll/challenge', { body: { code: codeOf(linkOrCode) } });
      if (response.status !== 200) fail(response);
      const challenge = enrollChallengeResponse.parse(response.json());
      device.salt = challenge.salt;
      return challenge;
    },

    async enroll(linkOrCode, opts = {}) {
      const code = codeOf(linkOrCode);
      const { nonce } = await device.challenge(code);
      const attestation = await createEnrollAttestation(signer, { code, nonce, iat: Math.floor(Date.now() / 1000), evidence: device.evidence(opts.evidence) });
      const response = await client.raw('POST', '/v1/enroll', { body: { attestation } });
      if (response.status !== 201) fail(response);
      const enrolled = enrollResponse.parse(response.json());
      device.deviceId = enrolled.deviceId;
      device.tester = enrolled.tester;
      return enrolled;
    },

    async session(opts = {}) {
      if (device.deviceId === undefined) throw new Error('enroll first');
      const attempt = async () => {
        const nonce = device.nonce;
        const attestation = await createSessionAttestation(opts.attestationSigner ?? signer, device.deviceId!, {
          nonce: opts.attestationNonce ?? nonce ?? 'AAAA',
          iat: Math.floor(Date.now() / 1000),
          evidence: device.evidence(opts.evidence),
        });
        const dpop = await device.proof('POST', '/v1/session', { nonce: nonce ?? null });
        return remember(await client.raw('POST', '/v1/session', { headers: { dpop }, body: { attestation } }));
      };
      let response = await attempt();
      if (response.errorCode === 'use_dpop_nonce') response = await attempt();
      if (response.status !== 200) fail(response);
      const session = sessionResponse.parse(response.json());
      device.accessToken = session.accessToken;
      return session;
    },

    async proof(method, path, opts = {}) {
      const nonce = opts.nonce === null ? undefined : (opts.nonce ?? device.nonce);
      if (opts.accessToken !== undefined && opts.iat === undefined && opts.random === undefined) {
        // The common case, made cheap for benchmarks: exactly createDpopProof's proof, with the
        // token's hash computed once per token instead of once per call.
        if (athCache?.token !== opts.accessToken) athCache = { token: opts.accessToken, ath: createHash('sha256').update(opts.accessToken).digest('base64url') };
        const payload: Record<string, unknown> = { jti: randomBytes(16).toString('base64url'), htm: method, htu: normalizeHtu(`${client.origin}${path}`), iat: Math.floor(Date.now() / 1000) };
        if (nonce !== undefined) payload.nonce = nonce;
        payload.ath = athCache.ath;
        const input = `${encodedProofHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
        return Buffer.from(await signer.sign(Buffer.from(input))).toString('base64url').replace(/^/, `${input}.`);
      }
      return createDpopProof(signer, {
        htm: method as 'GET',
        url: `${client.origin}${path}`,
        ...(nonce !== undefined ? { nonce } : {}),
        ...(opts.accessToken !== undefined ? { accessToken: opts.accessToken } : {}),
        now: opts.iat ?? Date.now() / 1000,
        random: opts.random ?? new Uint8Array(randomBytes(16)),
      });
    },

    async fetch(method, path, opts = {}) {
      const token = opts.accessToken ?? device.accessToken;
      if (token === undefined) throw new Error('open a session first');
      const attempt = async () => {
        const dpop = await device.proof(method, path, { accessToken: token });
        return remember(await client.raw(method, path, { headers: { authorization: `DPoP ${token}`, dpop, ...opts.headers }, ...(opts.body !== undefined ? { body: opts.body } : {}) }));
      };
      const response = await attempt();
      return response.errorCode === 'use_dpop_nonce' && opts.retryNonce !== false ? attempt() : response;
    },
  };
  return device;
}
