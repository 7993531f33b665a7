/**
 * Issue 20, "Running as a service": the gateway's log is one JSON object a line on stderr, with one
 * line per request naming its id, route pattern, status and duration, and the device and tester
 * when authenticated; and a request carrying an access token, a DPoP proof, an invite code and a
 * prompt (also in places a careless logger would print: a query string, an unmatched path) leaves
 * none of them, nor the device's private key, in any line. stdout still starts with {"url","pin"}.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInviteLink } from '../../../protocol/invite/link.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, nodeSigner, type TestDevice } from '../../helpers/pinned-client.js';

const EMAIL = 'logged-tester@example.com';
const PROMPT = 'my unreleased novel opens with the word marzipan-quokka';

interface Line {
  level: string;
  time: string;
  msg: string;
  reqId?: string;
  method?: string;
  route?: string | null;
  status?: number;
  ms?: number;
  device?: string;
  tester?: string;
}

describe('structured logs', () => {
  let gw: TestGateway;
  let device: TestDevice;
  const signer = nodeSigner();
  const secrets: string[] = [];

  const lines = (): Line[] =>
    gw
      .stderr()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Line);
  const until = async (check: (all: Line[]) => boolean): Promise<Line[]> => {
    const deadline = Date.now() + 10_000;
    while (!check(lines())) {
      if (Date.now() > deadline) throw new Error(`the log never showed the expected line:\n${gw.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return lines();
  };

  beforeAll(async () => {
    gw = await startGateway({ args: ['--log-level', 'info', '--log-format', 'json'], env: { AIRLOCK_DEMO_TOKENS_PER_SECOND: '0' } });
    const link = await gw.invite(EMAIL);
    const code = parseInviteLink(link).code;
    device = await createTestDevice(gw.client(), { signer });
    await device.enroll(link);
    await device.session();
    const privateJwk = signer.privateKey.export({ format: 'jwk' });
    secrets.push(code, device.accessToken!, privateJwk.d!, PROMPT, 'marzipan-quokka');
  });
  afterAll(() => gw?.stop());

  it('writes one JSON line per request with id, route, status, duration, device and tester; never a token, proof, key, invite code or prompt', async () => {
    const token = device.accessToken!;
    const chatProof = await device.proof('POST', '/v1/chat/completions', { accessToken: token });
    secrets.push(chatProof);
    const chat = await device.client.raw('POST', '/v1/chat/completions', {
      headers: { authorization: `DPoP ${token}`, dpop: chatProof },
      body: { model: 'airlock-demo', stream: true, messages: [{ role: 'user', content: PROMPT }] },
    });
    expect(chat.status).toBe(200);
    // The same secrets where a logger that prints URLs or headers would leak them.
    const queryProof = await device.proof('GET', '/v1/models', { accessToken: token });
    secrets.push(queryProof);
    await device.client.raw('GET', `/v1/models?access_token=${token}&prompt=${encodeURIComponent(PROMPT)}`, { headers: { authorization: `DPoP ${token}`, dpop: queryProof } });
    expect((await device.client.raw('GET', `/v1/${token}/${parseInviteLink(await gw.invite('other@example.com')).code}`)).status).toBe(404);
    // The used invite code, sent again: refused, and the refusal logged without it.
    expect((await device.client.raw('POST', '/v1/enroll/challenge', { body: { code: secrets[0] } })).status).toBe(409);

    const all = await until((ls) => ls.some((l) => l.route === '/v1/enroll/challenge' && l.status === 409));
    const chatLine = all.find((l) => l.msg === 'request' && l.route === '/v1/chat/completions');
    expect(chatLine).toMatchObject({ level: 'info', method: 'POST', status: 200, device: device.deviceId, tester: EMAIL });
    expect(chatLine!.reqId).toMatch(/\S/);
    expect(chatLine!.ms).toBeGreaterThan(0);
    expect(Date.parse(chatLine!.time)).not.toBeNaN();
    const enrollLine = all.find((l) => l.route === '/v1/enroll');
    expect(enrollLine).toMatchObject({ method: 'POST', status: 201 });
    expect(enrollLine).not.toHaveProperty('device');
    expect(all.find((l) => l.status === 404)).toMatchObject({ route: null, method: 'GET' });
    // Request ids are unique, one line each.
    const ids = all.filter((l) => l.msg === 'request').map((l) => l.reqId);
    expect(new Set(ids).size).toBe(ids.length);

    const log = gw.stderr();
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(log).not.toContain(encodeURIComponent(PROMPT));
  });

  it('keeps stdout\'s first line the {"url","pin"} document scripts parse', () => {
    expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(gw.pin).toMatch(/^sha256\//);
    expect(gw.stderr()).toContain('"msg":"gateway listening"');
  });
});
