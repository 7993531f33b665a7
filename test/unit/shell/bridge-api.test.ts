import { describe, expect, it } from 'vitest';
import { createBridgeApi } from '../../../main/ipc/bridge-api.js';
import type { BridgeTransport } from '../../../main/ipc/bridge-api.js';
import { EventChannel, InvokeChannel } from '../../../main/ipc/contract.js';
import type { ChatDelta } from '../../../main/ipc/contract.js';

/** A transport that records calls and lets the test push events as main would. */
function fakeTransport(answer: (channel: string, input: unknown) => unknown = () => ({ ok: true, value: null })) {
  const calls: Array<{ channel: string; input: unknown }> = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const transport: BridgeTransport = {
    invoke: async (channel, input) => {
      calls.push({ channel, input });
      return answer(channel, input) as never;
    },
    subscribe: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
  const push = (channel: string, payload: unknown) => [...(listeners.get(channel) ?? [])].forEach((l) => l(payload));
  return { transport, calls, push, count: (channel: string) => listeners.get(channel)?.size ?? 0 };
}

describe('bridge API', () => {
  it('offers only the fixed methods of the contract', () => {
    const api = createBridgeApi(fakeTransport().transport);
    expect(Object.keys(api).sort()).toEqual(['acknowledgeRevocation', 'chat', 'copyText', 'currentInvite', 'deviceStatus', 'enroll', 'finishInvite', 'getConversation', 'getState', 'listConversations', 'listModels', 'newConversation', 'onConversationChange', 'onInviteLink', 'onState', 'previewInvite', 'sendMessage', 'signOut', 'stopAnswer']);
  });

  it('sends the conversation calls and sign-out options to their channels', async () => {
    const { transport, calls, push } = fakeTransport();
    const api = createBridgeApi(transport);
    const changes: unknown[] = [];
    api.onConversationChange((change) => changes.push(change));
    await api.sendMessage({ conversationId: 'c_aaaaaaaaaaaa', model: 'm', text: 'hi' });
    await api.stopAnswer('c_aaaaaaaaaaaa');
    await api.copyText('x');
    await api.signOut({ localOnly: true });
    push(EventChannel.ConversationChanged, { kind: 'list', conversations: [] });
    expect(calls).toEqual([
      { channel: InvokeChannel.ConversationSend, input: { conversationId: 'c_aaaaaaaaaaaa', model: 'm', text: 'hi' } },
      { channel: InvokeChannel.ConversationStop, input: { conversationId: 'c_aaaaaaaaaaaa' } },
      { channel: InvokeChannel.ClipboardWrite, input: { text: 'x' } },
      { channel: InvokeChannel.SignOut, input: { localOnly: true } },
    ]);
    expect(changes).toEqual([{ kind: 'list', conversations: [] }]);
  });

  it('sends each method to its one channel', async () => {
    const { transport, calls } = fakeTransport();
    const api = createBridgeApi(transport);
    await api.enroll('airlock://enroll?x');
    await api.getState();
    expect(calls).toEqual([{ channel: InvokeChannel.Enroll, input: { link: 'airlock://enroll?x' } }, { channel: InvokeChannel.GetState, input: undefined }]);
  });

  it('delivers one stream\'s deltas, ends once, and then stops listening', async () => {
    const fake = fakeTransport();
    const api = createBridgeApi(fake.transport);
    const seen: ChatDelta[] = [];
    api.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, (d) => seen.push(d));
    await Promise.resolve();
    const streamId = (fake.calls[0]!.input as { streamId: string }).streamId;
    fake.push(EventChannel.ChatDelta, { streamId: 'other', delta: { type: 'delta', content: 'not mine' } });
    fake.push(EventChannel.ChatDelta, { streamId, delta: { type: 'delta', content: 'a' } });
    fake.push(EventChannel.ChatDelta, { streamId, delta: { type: 'done', finishReason: 'stop', usage: null } });
    fake.push(EventChannel.ChatDelta, { streamId, delta: { type: 'delta', content: 'late' } });
    expect(seen).toEqual([{ type: 'delta', content: 'a' }, { type: 'done', finishReason: 'stop', usage: null }]);
    expect(fake.count(EventChannel.ChatDelta)).toBe(0);
  });

  it('ends the stream with an error when main refuses to start it, and cancels through its channel', async () => {
    const fake = fakeTransport((channel) => (channel === InvokeChannel.ChatStart ? { ok: false, code: 'invalid_input', message: 'Refused.' } : { ok: true, value: null }));
    const api = createBridgeApi(fake.transport);
    const seen: ChatDelta[] = [];
    const cancel = api.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, (d) => seen.push(d));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual([{ type: 'error', code: 'network_error', message: 'Refused.' }]);
    cancel();
    expect(fake.calls.filter((c) => c.channel === InvokeChannel.ChatCancel)).toHaveLength(0);

    const second = fakeTransport();
    const api2 = createBridgeApi(second.transport);
    const stop = api2.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, () => {});
    stop();
    await Promise.resolve();
    expect(second.calls.map((c) => c.channel)).toEqual([InvokeChannel.ChatStart, InvokeChannel.ChatCancel]);
  });

  it('turns a broken transport into a refusal instead of a throw', async () => {
    const api = createBridgeApi({ invoke: async () => { throw new Error('ipc gone'); }, subscribe: () => () => {} });
    expect(await api.listModels()).toMatchObject({ ok: false, code: 'internal_error' });
  });
});
