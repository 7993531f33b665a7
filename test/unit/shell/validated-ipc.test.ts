import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../../protocol/errors.js';
import { EventChannel, InvokeChannel } from '../../../main/ipc/contract.js';
import { createApiService } from '../../../main/ipc/handlers.js';
import { createPendingInvites } from '../../../main/ipc/pending-invites.js';
import { registerIpcHandlers } from '../../../main/ipc/validated-ipc.js';
import { isAppUrl } from '../../../main/shell/app-protocol.js';
import { createFakeClient } from '../../e2e/support/fake-client.js';
import { APP_FRAME, fakeIpcMain } from './fakes.js';

const LINK = `airlock://enroll?gw=${encodeURIComponent('https://127.0.0.1:8443')}&code=${'A'.repeat(43)}&pin=${encodeURIComponent(`sha256/${'B'.repeat(43)}=`)}`;

function setup(client = createFakeClient()) {
  const fake = fakeIpcMain();
  // Main's confirmation, answered yes: these tests are about the IPC checks (confirm-enrollment.test.ts is about the answer).
  const service = createApiService({ client, invites: createPendingInvites(), confirm: { enrollment: async () => true, signOut: async () => true } });
  const unregister = registerIpcHandlers(fake.ipc, service.handlers, { isAppUrl });
  return { ...fake, client, service, unregister };
}

describe('validated IPC', () => {
  it('registers exactly the contract channels, all prefixed airlock:', () => {
    const { handlers } = setup();
    expect([...handlers.keys()].sort()).toEqual(Object.values(InvokeChannel).sort());
    for (const channel of handlers.keys()) expect(channel.startsWith('airlock:')).toBe(true);
  });

  it('answers a good call from the app frame', async () => {
    const { call } = setup();
    expect(await call(InvokeChannel.GetState, APP_FRAME)).toEqual({ ok: true, value: { kind: 'not-enrolled' } });
    const preview = await call(InvokeChannel.PreviewInvite, APP_FRAME, { link: LINK });
    expect(preview).toEqual({ ok: true, value: { gateway: 'https://127.0.0.1:8443', host: '127.0.0.1:8443', pins: [`sha256/${'B'.repeat(43)}=`] } });
  });

  it.each([
    ['a wrong type', InvokeChannel.Enroll, [{ link: 42 }]],
    ['a missing field', InvokeChannel.Enroll, [{}]],
    ['an unknown field', InvokeChannel.Enroll, [{ link: LINK, admin: true }]],
    ['an oversized link', InvokeChannel.PreviewInvite, [{ link: 'x'.repeat(5000) }]],
    ['an argument where none is taken', InvokeChannel.SignOut, [{ everything: true }]],
    ['two arguments', InvokeChannel.GetState, [undefined, 'extra']],
    ['a bad stream id', InvokeChannel.ChatStart, [{ streamId: '../x', model: 'm', messages: [{ role: 'user', content: 'hi' }] }]],
    ['a bad chat role', InvokeChannel.ChatStart, [{ streamId: 's1', model: 'm', messages: [{ role: 'root', content: 'hi' }] }]],
  ])('refuses %s before any handler runs', async (_name, channel, args) => {
    const { call, client } = setup();
    let touched = false;
    client.onState(() => {
      touched = true;
    });
    const result = await call(channel, APP_FRAME, ...args);
    expect(result).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(touched).toBe(false);
  });

  it.each([
    ['a remote page', { url: 'https://evil.example/', parent: null }],
    ['a file URL', { url: 'file:///tmp/index.html', parent: null }],
    ['a look-alike host', { url: 'app://airlock.evil/index.html', parent: null }],
    ['a dev server', { url: 'http://127.0.0.1:5173/', parent: null }],
    ['a sub-frame of the app', { url: 'app://airlock/index.html', parent: { url: 'app://airlock/index.html' } }],
    ['a frame that is gone', null],
  ])('refuses a call from %s, even with a valid input', async (_name, frame) => {
    const { call, client } = setup();
    const result = await call(InvokeChannel.Enroll, frame, { link: LINK });
    expect(result).toMatchObject({ ok: false, code: 'sender_refused' });
    expect(client.state()).toEqual({ kind: 'not-enrolled' });
  });

  it('turns a thrown error into a plain refusal with its code', async () => {
    const client = createFakeClient();
    client.listModels = async () => {
      throw new AirlockError('rate_limited');
    };
    const { call } = setup(client);
    expect(await call(InvokeChannel.ListModels, APP_FRAME)).toEqual({ ok: false, code: 'rate_limited', message: expect.stringContaining('Too many requests') });
  });

  it('hides the text of an unexpected error', async () => {
    const client = createFakeClient();
    client.deviceStatus = async () => {
      throw new Error('ENOENT /home/tester/.config/secret-path');
    };
    const { call } = setup(client);
    const result = await call(InvokeChannel.DeviceStatus, APP_FRAME);
    expect(result).toMatchObject({ ok: false, code: 'internal_error' });
    expect(JSON.stringify(result)).not.toContain('secret-path');
  });

  it('streams chat deltas to the sender and cancels on request', async () => {
    const client = createFakeClient({ answer: () => 'x'.repeat(400), chunkDelayMs: 5 });
    const { call, sent } = setup(client);
    await call(InvokeChannel.Enroll, APP_FRAME, { link: LINK });
    expect(await call(InvokeChannel.ChatStart, APP_FRAME, { streamId: 's1', model: 'airlock-demo', messages: [{ role: 'user', content: 'hi' }] })).toEqual({ ok: true, value: null });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await call(InvokeChannel.ChatCancel, APP_FRAME, { streamId: 's1' })).toEqual({ ok: true, value: null });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const deltas = sent.filter((m) => m.channel === EventChannel.ChatDelta).map((m) => (m.payload as { delta: { type: string; code?: string } }).delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.slice(0, -1).every((d) => d.type === 'delta')).toBe(true);
    expect(deltas.at(-1)).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(client.cancelled).toBe(1);
  });

  it('removes its handlers', () => {
    const { handlers, unregister } = setup();
    unregister();
    expect(handlers.size).toBe(0);
  });
});
