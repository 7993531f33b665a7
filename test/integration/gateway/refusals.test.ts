/**
 * PROTOCOL.md's refusals, each against a real gateway process over pinned TLS: status and code.
 * (issue 3, "What this issue must show", item 2)
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createNonceIssuer } from '../../../protocol/dpop/nonce-issuer.js';
import { createEnrollAttestation } from '../../../protocol/attestation/attestation.js';
import { b64uEncode, utf8 } from '../../../protocol/encoding.js';
import { signAccessToken } from '../../../protocol/token/access-token.js';
import { decodeCompactUnverified } from '../../../protocol/jws/compact.js';
import { accessTokenClaims } from '../../../protocol/schemas/session.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, GatewayClient, nodeSigner, refusal, type TestDevice } from '../../helpers/pinned-client.js';

const now = () => Math.floor(Date.now() / 1000);
const b64uJson = (value: unknown) => b64uEncode(utf8(JSON.stringify(value)));

describe('gateway refusals', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  let n = 0;
  const email = () => `tester${++n}@example.com`;

  const enrolledDevice = (): Promise<TestDevice> => gw.enrolledDevice(email(), client);

  beforeAll(async () => {
    gw = await startGateway();
    client = gw.client();
  });
  afterAll(() => gw?.stop());

  describe('invites', () => {
    it('refuses a second redemption: invite_used 409', async () => {
      const link = await gw.invite(email());
      await (await createTestDevice(client)).enroll(link);
      const error = await refusal((await createTestDevice(client)).enroll(link));
      expect([error.status, error.code]).toEqual([409, 'invite_used']);
    });

    it('lets only one of two racing enrollments on a one-device invite through', async () => {
      const link = await gw.invite(email());
      const [a, b] = [await createTestDevice(client), await createTestDevice(client)];
      // Both take a challenge before either enrolls, so the refusal must come from the enrollment itself.
      const code = new URL(link).searchParams.get('code')!;
      const [ca, cb] = [await a.challenge(code), await b.challenge(code)];
      const attest = (d: TestDevice, nonce: string) => createEnrollAttestation(d.signer, { code, nonce, iat: now(), evidence: d.evidence() });
      const results = await Promise.all([
        client.raw('POST', '/v1/enroll', { body: { attestation: await attest(a, ca.nonce) } }),
        client.raw('POST', '/v1/enroll', { body: { attestation: await attest(b, cb.nonce) } }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.errorCode).toBe('invite_used');
    });

    it('refuses an expired invite: invite_expired 401', async () => {
      const created = await gw.admin<{ link: string }>({ op: 'invite.create', email: email(), expiresInSeconds: 1, devices: 1 });
      await new Promise((r) => setTimeout(r, 1100));
      const error = await refusal((await createTestDevice(client)).enroll(created.link));
      expect([error.status, error.code]).toEqual([401, 'invite_expired']);
    });

    it('refuses a revoked invite (revoked with the CLI): invite_revoked 403', async () => {
      const created = await gw.cli(['invite', 'create', '--email', email(), '--json']);
      expect(created.code).toBe(0);
      const { id, link } = created.json<{ id: string; link: string }>();
      const revoked = await gw.cli(['invite', 'revoke', id, '--json']);
      expect(revoked.json()).toEqual({ id, status: 'revoked' });
      const error = await refusal((await createTestDevice(client)).enroll(link));
      expect([error.status, error.code]).toEqual([403, 'invite_revoked']);
    });

    it('refuses a device past the invite\'s device limit: device_limit 409', async () => {
      const link = await gw.invite(email(), { devices: 2 });
      await (await createTestDevice(client)).enroll(link);
      await (await createTestDevice(client)).enroll(link);
      const error = await refusal((await createTestDevice(client)).enroll(link));
      expect([error.status, error.code]).toEqual([409, 'device_limit']);
    });

    it('refuses an unknown code: invite_invalid 401', async () => {
      const error = await refusal((await createTestDevice(client)).challenge(randomBytes(32).toString('base64url')));
      expect([error.status, error.code]).toEqual([401, 'invite_invalid']);
    });

    it('refuses an enrollment nonce used twice: attestation_invalid 401', async () => {
      const link = await gw.invite(email(), { devices: 2 });
      const code = new URL(link).searchParams.get('code')!;
      const device = await createTestDevice(client);
      const { nonce } = await device.challenge(code);
      const attestation = await createEnrollAttestation(device.signer, { code, nonce, iat: now(), evidence: device.evidence() });
      expect((await client.raw('POST', '/v1/enroll', { body: { attestation } })).status).toBe(201);
      const other = await createTestDevice(client);
      other.salt = device.salt;
      const again = await createEnrollAttestation(other.signer, { code, nonce, iat: now(), evidence: other.evidence() });
      const res = await client.raw('POST', '/v1/enroll', { body: { attestation: again } });
      expect([res.status, res.errorCode]).toEqual([401, 'attestation_invalid']);
    });
  });

  describe('DPoP proofs', () => {
    let device: TestDevice;
    beforeAll(async () => {
      device = await enrolledDevice();
    });
    const call = (dpop: string, token = device.accessToken!) => client.raw('GET', '/v1/models', { headers: { authorization: `DPoP ${token}`, dpop } });

    it('accepts a proof once and refuses its replay: dpop_replay 401', async () => {
      const proof = await device.proof('GET', '/v1/models', { accessToken: device.accessToken! });
      expect((await call(proof)).status).toBe(200);
      const replay = await call(proof);
      expect([replay.status, replay.errorCode]).toEqual([401, 'dpop_replay']);
    });

    it('refuses a proof for another method or another URL: dpop_invalid 401', async () => {
      const wrongMethod = await call(await device.proof('POST', '/v1/models', { accessToken: device.accessToken! }));
      expect([wrongMethod.status, wrongMethod.errorCode]).toEqual([401, 'dpop_invalid']);
      const wrongUrl = await call(await device.proof('GET', '/v1/events', { accessToken: device.accessToken! }));
      expect([wrongUrl.status, wrongUrl.errorCode]).toEqual([401, 'dpop_invalid']);
      expect(wrongUrl.json<{ error: { message: string } }>().error.message).toMatch(/htu/);
    });

    it('refuses an iat too old or in the future: dpop_invalid 401', async () => {
      const old = await call(await device.proof('GET', '/v1/models', { accessToken: device.accessToken!, iat: now() - 120 }));
      expect([old.status, old.errorCode]).toEqual([401, 'dpop_invalid']);
      const future = await call(await device.proof('GET', '/v1/models', { accessToken: device.accessToken!, iat: now() + 120 }));
      expect([future.status, future.errorCode]).toEqual([401, 'dpop_invalid']);
    });

    it('answers a missing nonce with use_dpop_nonce, WWW-Authenticate and a fresh DPoP-Nonce, and the retry works', async () => {
      const res = await call(await device.proof('GET', '/v1/models', { accessToken: device.accessToken!, nonce: null }));
      expect([res.status, res.errorCode]).toEqual([401, 'use_dpop_nonce']);
      expect(res.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce"/);
      const nonce = res.headers['dpop-nonce'];
      expect(nonce).toEqual(expect.any(String));
      const retry = await call(await device.proof('GET', '/v1/models', { accessToken: device.accessToken!, nonce: nonce as string }));
      expect(retry.status).toBe(200);
    });

    it('answers a nonce of an earlier run (the data directory\'s secret, 10 minutes ago) with use_dpop_nonce, and the client retry works', async () => {
      // Every run of a single gateway makes its nonce key anew (gateway/auth/nonce-key.ts), so a
      // nonce minted with the persisted secret is one this run never issued; stale nonces of this
      // run are covered by the nonce issuer's unit tests.
      const secret = Buffer.from((await readFile(join(gw.dataDir, 'dpop-nonce.secret'), 'utf8')).trim(), 'base64url');
      const past = createNonceIssuer({
        hmac: (data) => new Uint8Array(createHmac('sha256', secret).update(data).digest()),
        random: (k) => new Uint8Array(randomBytes(k)),
        now: () => now() - 600,
        lifetime: 300,
      });
      device.nonce = past.current();
      const stale = await call(await device.proof('GET', '/v1/models', { accessToken: device.accessToken! }));
      expect([stale.status, stale.errorCode]).toEqual([401, 'use_dpop_nonce']);
      expect(stale.json<{ error: { message: string } }>().error.message).toMatch(/not one this gateway/);
      device.nonce = past.current();
      const retried = await device.fetch('GET', '/v1/models');
      expect(retried.status).toBe(200);
    });

    it('refuses a token presented with another key\'s proof: dpop_invalid 401', async () => {
      const thief = await createTestDevice(client);
      thief.nonce = device.nonce;
      const res = await call(await thief.proof('GET', '/v1/models', { accessToken: device.accessToken! }));
      expect([res.status, res.errorCode]).toEqual([401, 'dpop_invalid']);
    });

    it('refuses an access token sent as Bearer: token_invalid 401', async () => {
      const res = await client.raw('GET', '/v1/models', { headers: { authorization: `Bearer ${device.accessToken!}` } });
      expect([res.status, res.errorCode]).toEqual([401, 'token_invalid']);
      const withProof = await client.raw('GET', '/v1/models', { headers: { authorization: `Bearer ${device.accessToken!}`, dpop: await device.proof('GET', '/v1/models', { accessToken: device.accessToken! }) } });
      expect([withProof.status, withProof.errorCode]).toEqual([401, 'token_invalid']);
    });

    it('refuses a token signed by another key: token_invalid 401', async () => {
      const claims = accessTokenClaims.parse(decodeCompactUnverified(device.accessToken!).payload);
      const forged = await signAccessToken(nodeSigner(), { ...claims, jti: randomBytes(16).toString('base64url') });
      const res = await call(await device.proof('GET', '/v1/models', { accessToken: forged }), forged);
      expect([res.status, res.errorCode]).toEqual([401, 'token_invalid']);
    });

    it('refuses alg none and HS256 tokens (token_invalid) and proofs (dpop_invalid)', async () => {
      const claims = accessTokenClaims.parse(decodeCompactUnverified(device.accessToken!).payload);
      const body = b64uJson({ ...claims, jti: randomBytes(16).toString('base64url') });
      const none = `${b64uJson({ alg: 'none', typ: 'at+jwt' })}.${body}.AAAA`;
      const hsInput = `${b64uJson({ alg: 'HS256', typ: 'at+jwt' })}.${body}`;
      const hs256 = `${hsInput}.${createHmac('sha256', 'secret').update(hsInput).digest('base64url')}`;
      for (const token of [none, hs256]) {
        const res = await call(await device.proof('GET', '/v1/models', { accessToken: token }), token);
        expect([res.status, res.errorCode]).toEqual([401, 'token_invalid']);
      }
      const good = await device.proof('GET', '/v1/models', { accessToken: device.accessToken! });
      const [, payload] = good.split('.');
      const noneProof = `${b64uJson({ typ: 'dpop+jwt', alg: 'none', jwk: device.signer.publicJwk })}.${payload}.AAAA`;
      const hsProofInput = `${b64uJson({ typ: 'dpop+jwt', alg: 'HS256', jwk: device.signer.publicJwk })}.${payload}`;
      const hsProof = `${hsProofInput}.${createHmac('sha256', 'secret').update(hsProofInput).digest('base64url')}`;
      for (const proof of [noneProof, hsProof]) {
        const res = await call(proof);
        expect([res.status, res.errorCode]).toEqual([401, 'dpop_invalid']);
      }
    });

    it('refuses a call with no proof at all: dpop_invalid 401', async () => {
      const res = await client.raw('GET', '/v1/models', { headers: { authorization: `DPoP ${device.accessToken!}` } });
      expect([res.status, res.errorCode]).toEqual([401, 'dpop_invalid']);
    });
  });

  describe('sessions and attestation', () => {
    it('refuses a session when the machine id changed: key_moved 403', async () => {
      const device = await enrolledDevice();
      device.machineId = 'another-machine';
      const error = await refusal(device.session());
      expect([error.status, error.code]).toEqual([403, 'key_moved']);
    });

    it('refuses a session attestation signed by another key: attestation_invalid 401', async () => {
      const device = await enrolledDevice();
      const error = await refusal(device.session({ attestationSigner: nodeSigner() }));
      expect([error.status, error.code]).toEqual([401, 'attestation_invalid']);
    });

    it('refuses a session attestation over a stale nonce: attestation_invalid 401', async () => {
      const device = await enrolledDevice();
      const oldNonce = device.nonce!;
      const error = await refusal(device.session({ attestationNonce: `${oldNonce.slice(0, -4)}AAAA` }));
      expect([error.status, error.code]).toEqual([401, 'attestation_invalid']);
    });

    it('refuses a session proof signed by a key other than the device\'s: dpop_invalid 401', async () => {
      const device = await enrolledDevice();
      const impostor = await createTestDevice(client);
      Object.assign(impostor, { deviceId: device.deviceId, salt: device.salt, machineId: device.machineId, nonce: device.nonce });
      const error = await refusal(impostor.session({ attestationSigner: device.signer }));
      expect([error.status, error.code]).toEqual([401, 'dpop_invalid']);
    });

    it('refuses a session for an unknown device: device_unknown 401', async () => {
      const device = await createTestDevice(client);
      await device.challenge(new URL(await gw.invite(email())).searchParams.get('code')!);
      device.deviceId = `dev_${randomBytes(16).toString('base64url')}`;
      const error = await refusal(device.session());
      expect([error.status, error.code]).toEqual([401, 'device_unknown']);
    });
  });

  describe('revocation', () => {
    it('refuses a revoked device on the very next call and at session: device_revoked 403', async () => {
      const device = await enrolledDevice();
      expect((await device.fetch('GET', '/v1/models')).status).toBe(200);
      const revoked = await gw.cli(['device', 'revoke', device.deviceId!, '--reason', 'lost laptop', '--json']);
      expect(revoked.code).toBe(0);
      expect(revoked.json()).toEqual({ id: device.deviceId, status: 'revoked', cut: 0 });
      const res = await device.fetch('GET', '/v1/models');
      expect([res.status, res.errorCode]).toEqual([403, 'device_revoked']);
      const error = await refusal(device.session());
      expect([error.status, error.code]).toEqual([403, 'device_revoked']);
    });

    it('refuses every device of a suspended tester: tester_suspended 403, and a new enrollment of theirs', async () => {
      const tester = email();
      const link = await gw.invite(tester, { devices: 3 });
      const devices = [await createTestDevice(client), await createTestDevice(client)];
      for (const d of devices) {
        await d.enroll(link);
        await d.session();
      }
      const suspended = await gw.cli(['tester', 'suspend', tester, '--json']);
      expect(suspended.json()).toEqual({ email: tester, status: 'suspended', devicesRevoked: 2, cut: 0 });
      for (const d of devices) {
        const res = await d.fetch('GET', '/v1/models');
        expect([res.status, res.errorCode]).toEqual([403, 'tester_suspended']);
        const error = await refusal(d.session());
        expect([error.status, error.code]).toEqual([403, 'tester_suspended']);
      }
      const listed = (await gw.cli(['device', 'list', '--json'])).json<{ id: string; status: string }[]>();
      expect(listed.filter((d) => devices.some((x) => x.deviceId === d.id)).map((d) => d.status)).toEqual(['revoked', 'revoked']);
      const error = await refusal((await createTestDevice(client)).enroll(link));
      expect([error.status, error.code]).toEqual([403, 'tester_suspended']);
    });
  });

  describe('request shape', () => {
    it('refuses an unknown JSON field: bad_request 400 naming it', async () => {
      const res = await client.raw('POST', '/v1/enroll/challenge', { body: { code: randomBytes(32).toString('base64url'), extra: 1 } });
      expect([res.status, res.errorCode]).toEqual([400, 'bad_request']);
      expect(res.json<{ error: { message: string } }>().error.message).toContain('"extra"');
    });

    it('refuses an oversized body: payload_too_large 413', async () => {
      const res = await client.raw('POST', '/v1/enroll', { body: { attestation: 'a'.repeat(70 * 1024) } });
      expect([res.status, res.errorCode]).toEqual([413, 'payload_too_large']);
    });

    it('refuses a body that is not JSON: bad_request 400, with no internal detail', async () => {
      const res = await client.raw('POST', '/v1/enroll', { body: '{"attestation": ' });
      expect([res.status, res.errorCode]).toEqual([400, 'bad_request']);
      expect(res.text).not.toMatch(/at .*\.(ts|js):\d+|Error:|FST_/);
    });

    it('answers an unknown route with not_found 404', async () => {
      const res = await client.raw('GET', '/v1/nothing-here');
      expect([res.status, res.errorCode]).toEqual([404, 'not_found']);
    });

    it('never answers plain HTTP on the TLS port', async () => {
      const port = Number(new URL(gw.url).port);
      const received = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
        socket.on('data', (d: Buffer) => chunks.push(d));
        socket.on('error', () => resolve(Buffer.concat(chunks)));
        socket.on('close', () => resolve(Buffer.concat(chunks)));
        setTimeout(() => reject(new Error('the TLS port kept a plain-HTTP connection open')), 5000);
      });
      // Observed: the TLS server drops the connection without sending a byte (no HTTP answer, no redirect).
      expect(received.toString('latin1')).not.toMatch(/HTTP\/1\.[01]/);
      expect(received.length).toBe(0);
      await expect(request(gw.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    });

    it('refuses a client that does not pin this gateway (another CA and pin): connection not trusted', async () => {
      const other = await startGateway();
      try {
        const wrongCa = new GatewayClient({ origin: gw.url, caPem: other.caPem, pins: [other.pin] });
        await expect(wrongCa.raw('GET', '/healthz')).rejects.toThrow();
        const wrongPin = new GatewayClient({ origin: gw.url, caPem: gw.caPem, pins: [other.pin] });
        await expect(wrongPin.raw('GET', '/healthz')).rejects.toThrow(/connection_not_trusted/);
        await Promise.all([wrongCa.close(), wrongPin.close()]);
      } finally {
        await other.stop();
      }
    });
  });
});

describe('gateway policy', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  beforeAll(async () => {
    gw = await startGateway({ policy: { refuseDebugger: true } });
    client = gw.client();
  });
  afterAll(() => gw?.stop());

  it('refuses enrollment evidence that breaks a rule: policy_violation 403 naming the rule', async () => {
    const error = await refusal((await createTestDevice(client)).enroll(await gw.invite('dbg@example.com'), { evidence: { debugger: true } }));
    expect([error.status, error.code]).toEqual([403, 'policy_violation']);
    expect(error.message).toContain('refuseDebugger');
  });

  it('checks the policy again at every session, after a reload', async () => {
    const device = await gw.enrolledDevice('reload@example.com', client);
    const path = join(gw.dataDir, 'policy.json');
    const policy = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, JSON.stringify({ ...policy, minAppVersion: '9.0.0' }));
    const reloaded = await gw.cli(['policy', 'reload', '--json']);
    expect(reloaded.code).toBe(0);
    expect((await gw.cli(['policy', 'show', '--json'])).json()).toMatchObject({ minAppVersion: '9.0.0', refuseDebugger: true });
    const error = await refusal(device.session());
    expect([error.status, error.code]).toEqual([403, 'policy_violation']);
    expect(error.message).toContain('minAppVersion');
  });

  it('keeps the policy in force when a reload finds a bad file, naming the field', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(gw.dataDir, 'policy.json'), JSON.stringify({ minAppVersion: 'soon' }));
    const reloaded = await gw.cli(['policy', 'reload']);
    expect(reloaded.code).not.toBe(0);
    expect(reloaded.stderr).toContain('minAppVersion');
    expect((await gw.cli(['policy', 'show', '--json'])).json()).toMatchObject({ minAppVersion: '9.0.0' });
  });
});

describe('gateway rate limit', () => {
  it('limits the unauthenticated routes per client address: rate_limited 429 with Retry-After', async () => {
    const gw = await startGateway({ args: ['--unauth-rate-limit', '3'] });
    try {
      const client = gw.client();
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await client.raw('GET', '/healthz');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last!.errorCode).toBe('rate_limited');
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await gw.stop();
    }
  });
});
