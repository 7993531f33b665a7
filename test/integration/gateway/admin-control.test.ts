/**
 * Issue 13, must-show 1 to 4, through the real CLI against a real gateway and a test upstream:
 *  1. `status --json` lists two connected devices with the right counts, and the counts change
 *     when a stream ends; `device show` has every evidence field.
 *  2. `usage --json` after known calls equals the tokens the upstream reported; `tester list` too.
 *  3. A lock with --ttl 3s cuts a live stream and channel, refuses a new session with its message,
 *     and after it expires the same device (same key) opens a session; `lock remove` lifts one at
 *     once; each step is in the audit log with the admin's OS user.
 *  4. `tester resume` after `tester suspend` lets a new invite enroll; an invite for a suspended
 *     tester is refused at `invite create`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, refusal, type TestDevice } from '../../helpers/pinned-client.js';
import { openStream, type OpenStream } from '../model/streaming-device.js';

interface AuditRow { seq: number; type: string; actor: string; subject: string; details: Record<string, unknown> }
interface StatusRow { tester: string; deviceId: string; platform: string; appVersion: string; buildId: string; trustLevel: string; since: string; events: number; streams: number; requestsLastHour: number; tokensLastHour: number }
interface UsageRow { key: string; requests: number; promptTokens: number; completionTokens: number; refusals: number; cut: number }

const ME = `admin:${userInfo().username}`;

// Every step runs the real CLI (a Node process each): generous timeouts for a loaded 2-core machine.
describe('admin control and visibility (issue 13)', { timeout: 240_000 }, () => {
  let root: string;
  let upstream: OpenAiTestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 25 });
    root = await mkdtemp(join(tmpdir(), 'airlock-admin-'));
    gw = await startGateway({ dataDir: join(root, 'data'), upstreams: { upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, models: [{ id: 'test-long' }, { id: 'test-chat' }] }] } });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await rm(root, { recursive: true, force: true });
  }, 120_000);

  const audit = () => gw.admin<AuditRow[]>({ op: 'audit.tail', n: 500 });
  const longStream = (device: TestDevice) => openStream(device, 'POST', '/v1/chat/completions', { model: 'test-long', stream: true, messages: [{ role: 'user', content: 'go on' }] });
  async function cli<T>(args: string[]): Promise<T> {
    const result = await gw.cli([...args, '--json']);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.json<T>();
  }

  it('1. status lists both connected devices with their counts, which change when a stream ends; device show has the evidence', async () => {
    const a = await gw.enrolledDevice('status-a@example.com');
    const b = await gw.enrolledDevice('status-b@example.com');
    const eventsA = await openStream(a, 'GET', '/v1/events');
    expect((await eventsA.next())?.event).toBe('heartbeat');
    const eventsB = await openStream(b, 'GET', '/v1/events');
    expect((await eventsB.next())?.event).toBe('heartbeat');
    const stream = await longStream(b);
    expect(stream.status).toBe(200);
    expect((await stream.next())?.data).toContain('chat.completion.chunk');

    const before = await cli<StatusRow[]>(['status']);
    const rowOf = (rows: StatusRow[], id: string) => rows.find((r) => r.deviceId === id);
    expect(rowOf(before, a.deviceId!)).toMatchObject({ tester: 'status-a@example.com', events: 1, streams: 0, platform: 'linux', trustLevel: expect.stringMatching(/^keychain key with self-reported evidence/) });
    expect(rowOf(before, b.deviceId!)).toMatchObject({ tester: 'status-b@example.com', events: 1, streams: 1 });
    expect(rowOf(before, a.deviceId!)?.appVersion).toBe(a.evidence().appVersion);

    stream.abort();
    await expect.poll(async () => rowOf(await cli<StatusRow[]>(['who']), b.deviceId!)?.streams, { timeout: 10_000 }).toBe(0);
    const after = await cli<StatusRow[]>(['status']);
    expect(rowOf(after, b.deviceId!)).toMatchObject({ events: 1, streams: 0, requestsLastHour: 1 });
    expect(rowOf(after, a.deviceId!)).toMatchObject({ events: 1, streams: 0, requestsLastHour: 0 });

    const shown = await cli<Record<string, unknown> & { evidence: Record<string, unknown>; connections: unknown; invite: unknown }>(['device', 'show', a.deviceId!]);
    expect(Object.keys(shown.evidence).sort()).toEqual(Object.keys(a.evidence()).sort());
    expect(shown.evidence).toEqual(a.evidence());
    expect(shown).toMatchObject({ id: a.deviceId, tester: 'status-a@example.com', trustLevel: expect.stringMatching(/^keychain key with self-reported evidence/), enrolledFrom: '127.0.0.1', lastSessionFrom: '127.0.0.1', connections: { events: 1, streams: 0 }, invite: { email: 'status-a@example.com' } });
    expect(shown.lastSessionAt).toEqual(expect.any(String));
    eventsA.abort();
    eventsB.abort();
  });

  it('2. usage --json equals the tokens the upstream reported, per tester, model and day; tester list shows the same', async () => {
    const device = await gw.enrolledDevice('usage@example.com');
    const reported: { prompt_tokens: number; completion_tokens: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const stream = await openStream(device, 'POST', '/v1/chat/completions', { model: 'test-chat', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: `call ${i}` }] });
      for (const event of await stream.rest()) {
        if (event.data === '[DONE]') continue;
        const usage = (JSON.parse(event.data) as { usage?: { prompt_tokens: number; completion_tokens: number } }).usage;
        if (usage) reported.push(usage);
      }
    }
    expect(reported).toHaveLength(3);
    const expected = { requests: 3, promptTokens: reported.reduce((n, u) => n + u.prompt_tokens, 0), completionTokens: reported.reduce((n, u) => n + u.completion_tokens, 0), refusals: 0, cut: 0 };
    await expect.poll(async () => (await cli<UsageRow[]>(['usage', '--tester', 'usage@example.com'])).find((r) => r.key === 'usage@example.com'), { timeout: 10_000 }).toEqual({ key: 'usage@example.com', ...expected });
    expect(await cli<UsageRow[]>(['usage', '--tester', 'usage@example.com', '--by', 'model'])).toEqual([{ key: 'test-chat', ...expected }]);
    expect(await cli<UsageRow[]>(['usage', '--tester', 'usage@example.com', '--by', 'device', '--since', '1h'])).toEqual([{ key: device.deviceId, ...expected }]);
    expect(await cli<UsageRow[]>(['usage', '--tester', 'usage@example.com', '--by', 'day'])).toEqual([{ key: new Date().toISOString().slice(0, 10), ...expected }]);
    const testers = await cli<({ email: string } & Omit<UsageRow, 'key'>)[]>(['tester', 'list']);
    expect(testers.find((t) => t.email === 'usage@example.com')).toMatchObject(expected);
    const table = await gw.cli(['usage', '--by', 'model']);
    expect(table.stdout).toMatch(/^MODEL\s+REQUESTS\s+PROMPTTOKENS\s+COMPLETIONTOKENS\s+REFUSALS\s+CUT/);
  });

  /** The next control event that is not a heartbeat (one may fall due while a slow step runs). */
  async function nextControlEvent(events: OpenStream) {
    let event = await events.next();
    while (event?.event === 'heartbeat') event = await events.next();
    return event;
  }

  async function liveStreamAndChannel(device: TestDevice): Promise<{ stream: OpenStream; events: OpenStream }> {
    const events = await openStream(device, 'GET', '/v1/events');
    expect((await events.next())?.event).toBe('heartbeat');
    const stream = await longStream(device);
    expect((await stream.next())?.data).toContain('chat.completion.chunk');
    return { stream, events };
  }

  it('3a. a lock with a 3 s ttl cuts the stream and channel, refuses a session with its message, then the same key works again', async () => {
    const device = await gw.enrolledDevice('locked@example.com');
    const live = await liveStreamAndChannel(device);
    const message = 'Paused for the model update; back in a moment.';
    // Over the admin socket as the CLI sends `lock create --device ID --ttl 3s --message M --note N`
    // (the CLI itself is in 3b): a CLI process start can take seconds here, longer than the lock.
    const lock = await gw.admin<{ id: string; expiresAt: string; cut: number }>({ op: 'lock.create', target: { kind: 'device', id: device.deviceId! }, ttlSeconds: 3, message, note: 'change CHG-7' });
    const refused = await refusal(device.session());
    expect(Date.now()).toBeLessThan(Date.parse(lock.expiresAt));
    expect([refused.status, refused.code]).toEqual([403, 'device_locked']);
    expect(refused.message).toContain(message);
    expect(refused.response.json()).toMatchObject({ error: { lock: { message, until: lock.expiresAt } } });
    expect(lock.cut).toBe(2);

    const locked = await nextControlEvent(live.events);
    expect(locked?.event).toBe('locked');
    expect(JSON.parse(locked!.data)).toEqual({ message, until: lock.expiresAt });
    const last = (await live.stream.rest()).at(-1);
    expect(last?.event).toBe('error');
    const error = JSON.parse(last!.data) as { error: { code: string; message: string; lock: unknown } };
    expect(error).toMatchObject({ error: { code: 'device_locked', lock: { message, until: lock.expiresAt } } });
    expect(error.error.message).toContain(message);

    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(lock.expiresAt) - Date.now()) + 200));
    const key = device.signer.publicJwk;
    await expect(device.session()).resolves.toMatchObject({ tokenType: 'DPoP' });
    expect(device.signer.publicJwk).toEqual(key);
    expect((await device.fetch('GET', '/v1/models')).status).toBe(200);
    expect((await cli<{ id: string }[]>(['lock', 'list'])).map((l) => l.id)).not.toContain(lock.id);

    const entries = await audit();
    expect(entries.find((e) => e.type === 'admin.lock.create' && e.subject === device.deviceId)).toMatchObject({ actor: ME, details: { message, note: 'change CHG-7', expiresAt: lock.expiresAt, admin: { source: 'peer-credentials', uid: userInfo().uid, pid: process.pid } } });
    // The refused session names the device (not only the address).
    expect(entries.find((e) => e.type === 'refusal' && e.actor === `device:${device.deviceId}` && e.details.code === 'device_locked')).toBeDefined();
  });

  it('3b. lock remove lifts a lock at once; a tester lock covers their devices; every step is audited with the OS user', async () => {
    const device = await gw.enrolledDevice('unlock@example.com');
    const live = await liveStreamAndChannel(device);
    const lock = await cli<{ id: string; expiresAt: string | null; cut: number }>(['lock', 'create', '--tester', 'unlock@example.com', '--reason', 'Hold on.', '--ttl', '2h']);
    expect(lock.cut).toBe(2);
    expect(Date.parse(lock.expiresAt!) - Date.now()).toBeGreaterThan(7_000_000);
    expect((await cli<{ id: string; note: string | null }[]>(['lock', 'list'])).map((l) => l.id)).toContain(lock.id);
    expect(JSON.parse((await nextControlEvent(live.events))!.data)).toEqual({ message: 'Hold on.', until: lock.expiresAt });
    expect((await refusal(device.session())).code).toBe('device_locked');
    const refusedInvite = await gw.cli(['invite', 'create', '--email', 'unlock@example.com', '--json']);
    expect(refusedInvite.code).toBe(1);
    expect(JSON.parse(refusedInvite.stderr)).toMatchObject({ error: { code: 'refused' } });
    expect(refusedInvite.stderr).toContain(`lock remove ${lock.id}`);

    expect(await cli<{ removed: boolean }>(['lock', 'remove', lock.id, '--note', 'done'])).toMatchObject({ removed: true });
    await expect(device.session()).resolves.toMatchObject({ tokenType: 'DPoP' });
    expect((await device.fetch('GET', '/v1/models')).status).toBe(200);

    const entries = await audit();
    expect(entries.find((e) => e.type === 'admin.lock.create' && e.subject === 'unlock@example.com')).toMatchObject({ actor: ME, details: { targetKind: 'tester', message: 'Hold on.' } });
    expect(entries.find((e) => e.type === 'admin.lock.remove' && e.subject === lock.id)).toMatchObject({ actor: ME, details: { note: 'done' } });
    const refusals = entries.filter((e) => e.type === 'refusal' && e.actor === `device:${device.deviceId}`);
    expect(refusals.map((e) => e.details.code)).toContain('device_locked');
  });

  it('4. tester resume after tester suspend lets a new invite enroll; an invite for a suspended tester is refused', async () => {
    const old = await gw.enrolledDevice('resume@example.com');
    expect((await cli<{ status: string }>(['tester', 'suspend', 'resume@example.com', '--message', 'contract paused'])).status).toBe('suspended');
    const refused = await gw.cli(['invite', 'create', '--email', 'resume@example.com']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/resume@example\.com is suspended.*tester resume resume@example\.com/);

    expect(await cli(['tester', 'resume', 'resume@example.com', '--note', 'renewed'])).toEqual({ email: 'resume@example.com', status: 'active', resumed: true });
    const invite = await cli<{ link: string }>(['invite', 'create', '--email', 'resume@example.com']);
    // What to send the tester: the link, where the app comes from, the first characters of the pin.
    const human = await gw.cli(['invite', 'create', '--email', 'resume-human@example.com']);
    expect(human.stdout).toMatch(/airlock:\/\/enroll\?gw=/);
    expect(human.stdout).toContain('The Airlock app');
    expect(human.stdout).toContain(`${gw.pin.slice(0, 19)}…`);
    const fresh = await createTestDevice(gw.client());
    await fresh.enroll(invite.link);
    await expect(fresh.session()).resolves.toMatchObject({ tokenType: 'DPoP' });
    // The device the suspension revoked stays revoked.
    expect((await refusal(old.session())).code).toBe('device_revoked');
    expect((await audit()).find((e) => e.type === 'admin.tester.resume')).toMatchObject({ actor: ME, subject: 'resume@example.com', details: { note: 'renewed' } });
  });

  it('a refused enrollment names its invite and email in the audit log', async () => {
    const created = await cli<{ id: string; link: string }>(['invite', 'create', '--email', 'refused@example.com']);
    await cli(['invite', 'revoke', created.id]);
    const device = await createTestDevice(gw.client());
    expect((await refusal(device.challenge(created.link))).code).toBe('invite_revoked');
    const entry = (await audit()).findLast((e) => e.type === 'refusal' && e.subject === 'POST /v1/enroll/challenge');
    expect(entry).toMatchObject({ details: { code: 'invite_revoked', invite: created.id, email: 'refused@example.com' } });
  });

  it('policy check lists every error without applying; policy reload says what changed and when it counts', async () => {
    const bad = join(root, 'bad-policy.json');
    await writeFile(bad, JSON.stringify({ allowedPlatforms: ['amiga'], minAppVersion: 'soon' }));
    const checked = await gw.cli(['policy', 'check', bad, '--json']);
    expect(checked.code).toBe(1);
    expect(checked.json<{ ok: boolean; errors: string[] }>()).toMatchObject({ ok: false, errors: [expect.stringContaining('allowedPlatforms.0'), expect.stringContaining('minAppVersion')] });

    const path = join(gw.dataDir, 'policy.json');
    const current = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...current, minAppVersion: '0.0.1', limits: { requestsPerMinute: 600, tokensPerDay: 200_000, streamsPerDevice: 2, eventChannelsPerDevice: 4 } }), { mode: 0o600 });
    expect((await gw.cli(['policy', 'check', path])).code).toBe(0);
    const reloaded = await cli<{ applied: boolean; changes: { field: string; takesEffect: string }[]; longestWaitSeconds: number }>(['policy', 'reload']);
    expect(reloaded.applied).toBe(true);
    expect(reloaded.changes.map((c) => [c.field, c.takesEffect])).toEqual(expect.arrayContaining([['minAppVersion', 'next-session'], ['limits.requestsPerMinute', 'now']]));
    expect(reloaded.longestWaitSeconds).toBe(900);
    const human = await gw.cli(['policy', 'reload']);
    expect(human.stdout).toContain('nothing changed');
    expect((await audit()).find((e) => e.type === 'admin.policy.reload')).toMatchObject({ actor: ME });
  });
});
