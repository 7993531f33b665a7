/**
 * A minimal device for the several-instances tests, written from PROTOCOL.md with the protocol/
 * helpers: enrolls through one instance, opens sessions, sends DPoP-authenticated requests and
 * event channels to any instance. TLS trusts only the gateway's own CA (normal verification, no
 * check turned off); every instance serves the same certificate, as behind a load balancer.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { createEnrollAttestation, createSessionAttestation } from '../../../../protocol/attestation/attestation.js';
import { createDpopProof } from '../../../../protocol/dpop/create-proof.js';
import { parseInviteLink } from '../../../../protocol/invite/link.js';
import { generateEphemeralSigner, type Es256Signer } from '../../../../protocol/jws/signer.js';
import { enrollChallengeResponse, enrollResponse } from '../../../../protocol/schemas/enroll.js';
import { sessionResponse } from '../../../../protocol/schemas/session.js';
import type { Evidence } from '../../../../protocol/schemas/evidence.js';
import { b64uEncode, sha256 } from '../../../../protocol/encoding.js';

export interface Reply {
  status: number;
  code: string | undefined;
  body: unknown;
  nonce: string | undefined;
}

type Method = 'GET' | 'POST';

export class TestDevice {
  deviceId = '';
  tester = '';
  token = '';
  private nonce: string | undefined;
  private salt = '';

  private constructor(
    private readonly signer: Es256Signer,
    private readonly agent: Agent,
    /** The public origin every instance shares (the `htu` base). */
    private readonly origin: string,
  ) {}

  static async create(caPem: string, origin: string): Promise<TestDevice> {
    const agent = new Agent({ connect: { ca: caPem, servername: 'localhost' }, keepAliveTimeout: 10_000 });
    return new TestDevice(await generateEphemeralSigner(), agent, origin);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async evidence(): Promise<Evidence> {
    return {
      platform: 'linux',
      osRelease: '6.1.0',
      arch: 'x64',
      appVersion: '1.0.0',
      buildId: 'dev',
      packaged: false,
      machineIdHash: b64uEncode(await sha256(`${this.salt}machine-1`)),
      diskEncryption: 'on',
      debugger: false,
      keyStorage: 'keychain',
    };
  }

  /** A raw call to one instance (`base` is its listening URL); the proof names the shared origin. */
  async call(base: string, method: Method, path: string, options: { body?: unknown; proof?: string; auth?: boolean } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.proof !== undefined) headers.dpop = options.proof;
    if (options.auth) headers.authorization = `DPoP ${this.token}`;
    const res = await request(`${base}${path}`, {
      method,
      headers,
      dispatcher: this.agent,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (e.g. SSE)
    }
    const nonce = res.headers['dpop-nonce'];
    if (typeof nonce === 'string') this.nonce = nonce;
    const code = (body as { error?: { code?: string } } | null)?.error?.code;
    return { status: res.statusCode, code, body, nonce: typeof nonce === 'string' ? nonce : undefined };
  }

  async proof(method: Method, path: string, withToken: boolean): Promise<string> {
    return createDpopProof(this.signer, {
      htm: method,
      url: `${this.origin}${path}`,
      now: Math.floor(Date.now() / 1000),
      random: new Uint8Array(randomBytes(16)),
      ...(this.nonce === undefined ? {} : { nonce: this.nonce }),
      ...(withToken ? { accessToken: this.token } : {}),
    });
  }

  async enroll(base: string, link: string): Promise<void> {
    const { code } = parseInviteLink(link);
    const challenge = await this.call(base, 'POST', '/v1/enroll/challenge', { body: { code } });
    if (challenge.status !== 200) throw new Error(`challenge: ${challenge.status} ${JSON.stringify(challenge.body)}`);
    const { nonce, salt } = enrollChallengeResponse.parse(challenge.body);
    this.salt = salt;
    const attestation = await createEnrollAttestation(this.signer, { code, nonce, iat: Math.floor(Date.now() / 1000), evidence: await this.evidence() });
    const enrolled = await this.call(base, 'POST', '/v1/enroll', { body: { attestation } });
    if (enrolled.status !== 201) throw new Error(`enroll: ${enrolled.status} ${JSON.stringify(enrolled.body)}`);
    const parsed = enrollResponse.parse(enrolled.body);
    this.deviceId = parsed.deviceId;
    this.tester = parsed.tester;
  }

  /** Opens a session on `base`, fetching a DPoP nonce first when it has none. */
  async session(base: string): Promise<Reply> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const proof = await this.proof('POST', '/v1/session', false);
      const attestation = await createSessionAttestation(this.signer, this.deviceId, { nonce: this.nonce ?? 'AAAA', iat: Math.floor(Date.now() / 1000), evidence: await this.evidence() });
      const reply = await this.call(base, 'POST', '/v1/session', { body: { attestation }, proof });
      if (reply.code === 'use_dpop_nonce' && attempt === 0) continue;
      if (reply.status === 200) this.token = sessionResponse.parse(reply.body).accessToken;
      return reply;
    }
    throw new Error('unreachable');
  }

  /** An authenticated call with a fresh proof (retrying once for a nonce). */
  async authed(base: string, method: Method, path: string, body?: unknown): Promise<Reply & { proof: string }> {
    for (let attempt = 0; ; attempt++) {
      const proof = await this.proof(method, path, true);
      const reply = await this.call(base, method, path, { proof, auth: true, ...(body === undefined ? {} : { body }) });
      if (reply.code === 'use_dpop_nonce' && attempt === 0) continue;
      return { ...reply, proof };
    }
  }

  /**
   * Opens a streamed call (an event channel or a streamed chat) and resolves `ended` when the server
   * closes it; `opened` once the response head arrived.
   */
  async stream(base: string, method: Method, path: string, body?: unknown): Promise<{ status: number; ended: Promise<string>; cancel: () => void }> {
    const proof = await this.proof(method, path, true);
    const controller = new AbortController();
    const res = await request(`${base}${path}`, {
      method,
      dispatcher: this.agent,
      signal: controller.signal,
      headers: { authorization: `DPoP ${this.token}`, dpop: proof, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const ended = (async () => {
      let text = '';
      try {
        for await (const chunk of res.body) text += (chunk as Buffer).toString('utf8');
      } catch {
        // a cut connection may end in an error rather than a clean end; either way it ended
      }
      return text;
    })();
    return { status: res.statusCode, ended, cancel: () => controller.abort() };
  }
}
