import { createDpopProof } from '../../../protocol/dpop/create-proof.js';
import { AirlockError } from '../../../protocol/errors.js';
import type { Es256Signer } from '../../../protocol/jws/signer.js';
import type { Clock, RandomBytes } from '../ports.js';
import type { GatewayHttp, GatewayRequest, GatewayResponse } from '../transport/gateway-http.js';
import { errorFromResponse } from './gateway-error.js';

export interface DpopRequest extends Omit<GatewayRequest, 'body'> {
  /** The body, made per attempt: a session attestation must sign the nonce of that attempt. */
  body?: (nonce: string | undefined) => Promise<string> | string;
  accessToken?: string;
  /**
   * Signs this request's proof instead of the device key: a TPM device's session key, to which
   * its access token is bound (PROTOCOL.md "TPM-bound device keys").
   */
  signer?: Es256Signer;
}

export interface DpopClient {
  /**
   * Sends a request with a fresh DPoP proof (and `Authorization: DPoP` when a token is given),
   * retrying once with the gateway's nonce on `use_dpop_nonce` (RFC 9449 §8). Resolves with a
   * 2xx answer; rejects with the gateway's error otherwise.
   */
  send(request: DpopRequest): Promise<GatewayResponse>;
  /** The latest DPoP-Nonce the gateway handed out. */
  nonce(): string | undefined;
  /** Records a nonce seen on any answer (enrollment answers may carry one), and the gateway's clock. */
  observe(response: GatewayResponse): void;
  /**
   * Milliseconds since the epoch by the gateway's clock as last seen in a `Date` header: proofs
   * and attestations carry `iat` within 60 s of the gateway, so a device whose clock is off by
   * minutes would otherwise be refused on every call.
   */
  serverNow(): number;
}

/** Offsets under this are the Date header's one-second resolution and network time, not skew. */
const SKEW_THRESHOLD_MS = 10_000;

export function createDpopClient(deps: { http: GatewayHttp; signer: () => Es256Signer; clock: Clock; random: RandomBytes }): DpopClient {
  let latestNonce: string | undefined;
  let offsetMs = 0;

  function observe(response: GatewayResponse): void {
    const nonce = response.header('dpop-nonce');
    if (nonce !== undefined && nonce.length > 0 && nonce.length < 512) latestNonce = nonce;
    const date = Date.parse(response.header('date') ?? '');
    if (Number.isFinite(date)) {
      const offset = date - deps.clock.now();
      offsetMs = Math.abs(offset) > SKEW_THRESHOLD_MS ? offset : 0;
    }
  }

  const serverNow = (): number => deps.clock.now() + offsetMs;

  async function attempt(request: DpopRequest): Promise<GatewayResponse> {
    const nonce = latestNonce;
    const proof = await createDpopProof(request.signer ?? deps.signer(), {
      htm: request.method,
      url: `${deps.http.origin}${request.path}`,
      ...(nonce !== undefined ? { nonce } : {}),
      ...(request.accessToken !== undefined ? { accessToken: request.accessToken } : {}),
      now: Math.floor(serverNow() / 1000),
      random: deps.random(16),
    });
    const headers: Record<string, string> = { ...request.headers, dpop: proof };
    if (request.accessToken !== undefined) headers.authorization = `DPoP ${request.accessToken}`;
    const body = request.body === undefined ? undefined : await request.body(nonce);
    const response = await deps.http.request({ method: request.method, path: request.path, headers, ...(body !== undefined ? { body } : {}), ...(request.signal ? { signal: request.signal } : {}) });
    observe(response);
    return response;
  }

  return {
    nonce: () => latestNonce,
    observe,
    serverNow,
    async send(request) {
      let response = await attempt(request);
      if (response.status >= 200 && response.status < 300) return response;
      let error = await errorFromResponse(response);
      if (error instanceof AirlockError && error.code === 'use_dpop_nonce') {
        response = await attempt(request);
        if (response.status >= 200 && response.status < 300) return response;
        error = await errorFromResponse(response);
      }
      throw error;
    },
  };
}
