import { randomBytes } from 'node:crypto';
import { createConversations } from '../../../main/core/conversations/conversations.js';
import { parseInviteLink } from '../../../protocol/invite/link.js';
import type { AirlockClient, ChatDelta, ClientState, DeviceStatus } from '../../../main/core/api.js';
import { DEFAULT_POLICY, toClientPolicy } from '../../../protocol/schemas/policy.js';

/**
 * An in-memory AirlockClient for renderer tests that do not need a gateway (markdown injection,
 * layout). It answers with whatever `answer` returns, chunked, and honours cancellation.
 */
export interface FakeClient extends AirlockClient {
  revoke(reason: string): void;
  answer: (prompt: string) => string;
  cancelled: number;
}

export function createFakeClient(options: {
  answer?: (prompt: string) => string;
  chunkDelayMs?: number;
  /** The model list answers once this settles (a gateway slow to answer right after enrollment). */
  modelsReady?: Promise<void>;
} = {}): FakeClient {
  let state: ClientState = { kind: 'not-enrolled' };
  const listeners = new Set<(state: ClientState) => void>();
  const set = (next: ClientState) => {
    state = next;
    for (const listener of listeners) listener(next);
  };
  const delay = options.chunkDelayMs ?? 5;
  const enrolled = () => {
    if (state.kind !== 'enrolled') throw Object.assign(new Error('Not enrolled.'), { code: 'not_enrolled' });
    return state;
  };

  const client: FakeClient = {
    conversations: createConversations({
      chat: (request, signal) => client.chat(request, signal),
      history: null,
      now: () => Date.now(),
      random: (n) => new Uint8Array(randomBytes(n)),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    }),
    answer: options.answer ?? ((prompt) => `You said: **${prompt}**`),
    cancelled: 0,
    state: () => state,
    onState(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async previewInvite(link) {
      const invite = parseInviteLink(link);
      return { gateway: invite.gateway, host: new URL(invite.gateway).host, pins: invite.pins };
    },
    async enroll(link) {
      const invite = parseInviteLink(link);
      set({ kind: 'enrolling', step: 'challenge' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      set({
        kind: 'enrolled',
        gateway: invite.gateway,
        deviceId: 'dev_fake000000000000000',
        tester: 'tester@example.com',
        policy: toClientPolicy(DEFAULT_POLICY),
        sessionExpiresAt: new Date(Date.now() + 900_000).toISOString(),
        connected: true,
      });
      await client.conversations.open(invite.gateway, 'none');
      return state;
    },
    async listModels() {
      enrolled();
      await options.modelsReady;
      enrolled();
      return [{ id: 'airlock-demo', demo: true }];
    },
    async *chat(request, signal): AsyncIterable<ChatDelta> {
      enrolled();
      const last = request.messages[request.messages.length - 1];
      const text = client.answer(typeof last?.content === 'string' ? last.content : '');
      for (let at = 0; at < text.length; at += 8) {
        if (signal?.aborted) {
          client.cancelled++;
          yield { type: 'error', code: 'cancelled', message: 'Stopped.' };
          return;
        }
        yield { type: 'delta', content: text.slice(at, at + 8) };
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      yield { type: 'done', finishReason: 'stop', usage: null };
    },
    async deviceStatus(): Promise<DeviceStatus> {
      const current = enrolled();
      return {
        gateway: current.gateway,
        deviceId: current.deviceId,
        tester: current.tester,
        pins: ['sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='],
        evidence: {
          platform: 'linux', osRelease: '6.1.0', arch: 'x64', appVersion: '0.1.0', buildId: 'dev', packaged: false,
          machineIdHash: 'A'.repeat(43), diskEncryption: 'unknown', debugger: false, keyStorage: 'keychain',
        },
        sessionExpiresAt: current.sessionExpiresAt,
        trustLevel: { keyStorage: 'keychain', summary: '' },
        policy: current.policy,
        history: client.conversations.historyStatus(),
      };
    },
    async signOut() {
      await client.conversations.wipe();
      set({ kind: 'not-enrolled' });
    },
    async close() {},
    revoke(reason) {
      const gateway = state.kind === 'enrolled' ? state.gateway : 'https://127.0.0.1';
      set({ kind: 'revoked', gateway, reason, code: 'device_revoked', at: new Date().toISOString() });
    },
  };
  return client;
}
