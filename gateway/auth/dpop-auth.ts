import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AirlockError } from '../../protocol/errors.js';
import type { GatewayContext } from '../context.js';
import { refuseIfLocked } from '../locks/refuse.js';
import { createProofVerifier } from './proof-verifier.js';
import { authorizationFast } from './proof-fast-path.js';
import { markCall } from '../server/call-timing.js';
import { watchLoopBusy } from '../server/loop-busy.js';

/** Who is calling, set on every request of the protected context. */
export interface AuthenticatedDevice {
  deviceId: string;
  tester: string;
  /** RFC 7638 thumbprint of the device key the access token is bound to. */
  jkt: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    device: AuthenticatedDevice | null;
    /** The device a verified access token names, set before the proof is checked: refusals name it. */
    tokenDevice: string | null;
  }
}

/** The single DPoP header of a request; a repeated header is malformed (RFC 9449 §4.3 step 1). */
export function dpopHeaderOf(request: FastifyRequest): string | undefined {
  const value = request.headers.dpop;
  if (Array.isArray(value)) throw new AirlockError('dpop_invalid', 'Invalid DPoP proof: send exactly one DPoP header.');
  return value;
}

/** The request URL the proof must name: the public origin plus the path (query dropped by htu). */
export function requestHtu(ctx: GatewayContext, request: FastifyRequest): string {
  if (!request.url.startsWith('/')) throw new AirlockError('bad_request', 'The request target must be a path.');
  return `${ctx.config.origin}${request.url}`;
}

/**
 * DPoP authentication (RFC 9449) for the protected routes: the access token (ES256, this
 * gateway's key, not expired; claims cached until expiry), a fresh proof for this method and URL
 * signed by the key the token is bound to with a current server nonce, a `jti` never seen
 * before, and a device and tester still in good standing. Registered only inside the protected
 * routes' context; `/healthz`, enrollment and session stay outside it.
 */
const dpopAuth: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const { security, config, clock } = ctx;
  // A proof's signature is checked off the event loop (issue 19: about 50 µs of it a call) only
  // when the loop is the limit: busy more than half of the last 50 ms with model calls in flight.
  // Otherwise it stays on the loop, where it is quickest for the call (no thread hop).
  const loop = watchLoopBusy();
  app.addHook('onClose', async () => loop.stop());
  const verifyProof = createProofVerifier({ offload: () => loop.busy && ctx.hub.openStreams() > 0 });
  // Every device sends the same current nonce for minutes: remember a valid verdict for a second
  // instead of recomputing its HMAC on every call (a nonce may outlive its lifetime by that second).
  let lastValid = { nonce: '', until: 0 };
  const checkNonce = (nonce: string) => {
    const nowMs = clock.nowMs();
    if (nonce === lastValid.nonce && nowMs < lastValid.until) return 'valid' as const;
    const verdict = security.nonces.check(nonce);
    if (verdict === 'valid') lastValid = { nonce, until: nowMs + 1000 };
    return verdict;
  };

  app.decorateRequest('device', null);
  app.decorateRequest('tokenDevice', null);

  app.addHook('onRequest', async (request, reply) => {
    markCall(request.raw, 'auth');
    const authorization = request.headers.authorization;
    if (authorization === undefined) throw new AirlockError('token_invalid', 'Send the access token as "Authorization: DPoP <token>" with a DPoP proof. Start a session first.');
    if (/^bearer\s/i.test(authorization)) throw new AirlockError('token_invalid', 'Bearer tokens are refused: send "Authorization: DPoP <token>" with a DPoP proof.');
    if (!authorizationFast.safeParse(authorization).success) throw new AirlockError('token_invalid', 'The Authorization header must be "DPoP <access token>".');
    const token = authorization.slice(5);
    const now = clock.nowSeconds();

    const claims = await security.tokens.verify(token, now);
    request.tokenDevice = claims.sub;
    markCall(request.raw, 'token');
    const proof = await verifyProof(dpopHeaderOf(request), {
      method: request.method,
      url: requestHtu(ctx, request),
      now,
      iatWindow: config.iatWindow,
      checkNonce,
      accessToken: token,
      expectedJkt: claims.cnf.jkt,
    });
    markCall(request.raw, 'proof');
    if (!(await security.replay.claim(proof.jti, proof.iat + config.iatWindow + 1))) {
      throw new AirlockError('dpop_replay');
    }

    markCall(request.raw, 'jti');
    // From memory when known (revocations update it before the admin is answered), else the store.
    const device = security.devices.peek(claims.sub) ?? (await security.devices.get(claims.sub));
    if (device === null) throw new AirlockError('device_unknown');
    // The tester first: a suspension revokes every device, and the app should say why.
    const testerStatus = security.devices.peekTesterStatus(device.tester) ?? (await security.devices.testerStatus(device.tester));
    if (testerStatus !== 'active') throw new AirlockError('tester_suspended');
    // Revoked by an admin, or retired by its tester: either way this device is ended.
    if (device.status !== 'active') throw new AirlockError('device_revoked');
    refuseIfLocked(security.locks, device, clock.nowMs());
    request.device = { deviceId: device.deviceId, tester: device.tester, jkt: device.jkt };

    reply.header('dpop-nonce', security.nonces.current());
    markCall(request.raw, 'authEnd');
    const nowMs = clock.nowMs();
    if (security.devices.shouldTouch(device.deviceId, nowMs)) {
      ctx.store.touchDevice(device.deviceId, new Date(nowMs).toISOString()).catch((error: unknown) => {
        ctx.log.warn('could not record lastSeenAt', { device: device.deviceId, error: error instanceof Error ? error.message : String(error) });
      });
    }
  });
};

export default fp(dpopAuth, { fastify: '5.x', name: 'airlock-dpop-auth' });
