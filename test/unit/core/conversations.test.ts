/**
 * The conversation store in main (issue 14): answers keep the model their own stream named, their
 * times and how they ended, and never change afterwards; a rate limit says when to send again;
 * `encrypted` history is AES-256-GCM at rest with the key in the keychain, refused when altered or
 * moved to another gateway, settled as `cut` when the app ended mid-answer, and deleted with its
 * key on wipe or when the policy turns to `none`.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatDelta } from '../../../main/core/api.js';
import { createConversations, type Conversations } from '../../../main/core/conversations/conversations.js';
import { createEncryptedHistory, HISTORY_KEY_SERVICE, type EncryptedHistory } from '../../../main/core/conversations/encrypted-history.js';
import { openHistory, sealHistory } from '../../../main/core/conversations/history-cipher.js';
import type { ChatMessage } from '../../../protocol/schemas/chat.js';
import { memoryKeychain } from './support/memory-keychain.js';
import { memoryLogger } from './support/memory-logger.js';

const GW = 'https://gateway.example';
const random = (n: number) => new Uint8Array(randomBytes(n));

/** A chat that answers from a script per call, and lets the test end it. */
function scriptedChat() {
  const calls: Array<{ model: string; messages: ChatMessage[] }> = [];
  let script: (request: { model: string }) => ChatDelta[] = (r) => [{ type: 'delta', content: 'Hi', model: `${r.model}-v2` }, { type: 'done', finishReason: 'stop', usage: null, model: `${r.model}-v2` }];
  return {
    calls,
    set(next: typeof script) {
      script = next;
    },
    async *chat(request: { model: string; messages: ChatMessage[] }, signal: AbortSignal): AsyncIterable<ChatDelta> {
      calls.push(request);
      for (const delta of script(request)) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (signal.aborted) {
          yield { type: 'error', code: 'cancelled', message: 'Cancelled.' };
          return;
        }
        yield delta;
      }
    },
  };
}

async function settled(conversations: Conversations, id: string) {
  for (let i = 0; i < 200; i++) {
    const last = conversations.get(id)?.turns.at(-1);
    if (last?.role === 'assistant' && last.status !== 'streaming') return last;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the answer never ended');
}

describe('conversations in main', () => {
  let dir: string;
  let history: EncryptedHistory;
  let keychain: ReturnType<typeof memoryKeychain>;
  let now: number;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-conversations-'));
    keychain = memoryKeychain();
    history = createEncryptedHistory({ keychain, dir, random, logger: memoryLogger() });
    now = Date.parse('2026-12-03T10:00:00Z');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const make = (chat = scriptedChat(), withHistory = true) => ({ chat, conversations: createConversations({ chat: chat.chat, history: withHistory ? history : null, now: () => now, random, logger: memoryLogger() }) });

  /** The same history, whose reads end only when the test releases them (a slow keychain). */
  function heldBackRead() {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: EncryptedHistory = { ...history, load: async (gateway) => (await gate, history.load(gateway)) };
    return { slow, release };
  }

  /** An encrypted-history store with one answered conversation, its file written. */
  async function oneAnsweredAndKept() {
    const { conversations } = make();
    await conversations.open(GW, 'encrypted');
    const c = conversations.create();
    conversations.send({ conversationId: c.id, model: 'alpha', text: 'hello' });
    await settled(conversations, c.id);
    await conversations.saved();
    return { conversations, c };
  }

  it('labels each answer with the model its stream named, and keeps the label, times and ending', async () => {
    const { conversations, chat } = make();
    await conversations.open(GW, 'none');
    const c = conversations.create();
    conversations.send({ conversationId: c.id, model: 'alpha', text: 'first' });
    const first = await settled(conversations, c.id);
    expect(first).toMatchObject({ model: 'alpha-v2', requested: 'alpha', status: 'complete', startedAt: '2026-12-03T10:00:00.000Z', endedAt: '2026-12-03T10:00:00.000Z' });
    now += 60_000;
    conversations.send({ conversationId: c.id, model: 'beta', text: 'second' });
    await settled(conversations, c.id);
    const turns = conversations.get(c.id)!.turns;
    expect(turns[1]).toEqual(first);
    expect(turns[3]).toMatchObject({ model: 'beta-v2', status: 'complete', startedAt: '2026-12-03T10:01:00.000Z' });
    // The model is sent the finished conversation so far.
    expect(chat.calls[1]!.messages).toEqual([{ role: 'user', content: 'first' }, { role: 'assistant', content: 'Hi' }, { role: 'user', content: 'second' }]);
    expect(conversations.get(c.id)!.title).toBe('first');
  });

  it('gives the chat nobody has written in yet when asked for a new one, so no empty chats pile up', async () => {
    const { conversations } = make();
    await conversations.open(GW, 'none');
    const first = conversations.create();
    now += 1_000;
    const again = conversations.create();
    expect(again.id).toBe(first.id);
    expect(conversations.list().map((c) => c.id)).toEqual([first.id]);
    conversations.send({ conversationId: first.id, model: 'alpha', text: 'hello' });
    await settled(conversations, first.id);
    const second = conversations.create();
    expect(second.id).not.toBe(first.id);
    expect(conversations.list()).toHaveLength(2);
  });

  it('records stopped, cut and failed answers, and when a rate limit lets the tester send again', async () => {
    const { conversations, chat } = make();
    await conversations.open(GW, 'none');
    const c = conversations.create();
    chat.set(() => [{ type: 'delta', content: 'partial', model: 'm' }, { type: 'done', finishReason: 'length', usage: null, model: 'm' }]);
    conversations.send({ conversationId: c.id, model: 'm', text: 'a' });
    expect(await settled(conversations, c.id)).toMatchObject({ status: 'cut', content: 'partial' });
    chat.set(() => [{ type: 'error', code: 'rate_limited', message: 'Too many requests.', retryAfter: 30 }]);
    conversations.send({ conversationId: c.id, model: 'm', text: 'b' });
    expect(await settled(conversations, c.id)).toMatchObject({ status: 'failed', model: null, error: { code: 'rate_limited', retryAt: '2026-12-03T10:00:30.000Z' } });
    chat.set(() => Array.from({ length: 500 }, () => ({ type: 'delta', content: 'x', model: 'm' }) as ChatDelta));
    conversations.send({ conversationId: c.id, model: 'm', text: 'c' });
    expect(() => conversations.send({ conversationId: c.id, model: 'm', text: 'd' })).toThrow(/still answering/);
    conversations.stop(c.id);
    expect(await settled(conversations, c.id)).toMatchObject({ status: 'stopped' });
  });

  it('keeps encrypted history with no plaintext on disk, and reads it back in a new app', async () => {
    const first = make();
    await first.conversations.open(GW, 'encrypted');
    const c = first.conversations.create();
    first.conversations.send({ conversationId: c.id, model: 'alpha', text: 'the launch code is swordfish' });
    await settled(first.conversations, c.id);
    await first.conversations.saved();
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const sealed = await readFile(path.join(dir, files[0]!));
    expect(sealed.includes(Buffer.from('swordfish'))).toBe(false);
    expect(keychain.entries.size).toBe(1);

    const second = make();
    await second.conversations.open(GW, 'encrypted');
    expect(second.conversations.get(c.id)!.turns.map((t) => t.content)).toEqual(['the launch code is swordfish', 'Hi']);
    expect(second.conversations.historyStatus()).toEqual({ policy: 'encrypted', kept: true, problem: null });
  });

  it('keeps a chat started and sent while the history file is still being read, beside the chats it held', async () => {
    // The app shows the chat screen as soon as it is enrolled and reads the file after; on a slow
    // keychain the tester starts a chat and sends before the read ends. That chat and its answer
    // must not be dropped when the file's chats arrive, nor the file rewritten without them.
    const { c: kept } = await oneAnsweredAndKept();
    const { slow, release } = heldBackRead();
    const chat = scriptedChat();
    const conversations = createConversations({ chat: chat.chat, history: slow, now: () => now, random, logger: memoryLogger() });
    const lists: string[][] = [];
    conversations.onChange((change) => {
      if (change.kind === 'list') lists.push(change.conversations.map((s) => s.id));
    });
    const opening = conversations.open(GW, 'encrypted');
    const early = conversations.create();
    conversations.send({ conversationId: early.id, model: 'alpha', text: 'sent before the file was read' });
    await settled(conversations, early.id);
    release();
    await opening;
    await conversations.saved();
    expect(conversations.list().map((s) => s.id).sort()).toEqual([kept.id, early.id].sort());
    expect(conversations.get(early.id)!.turns.map((t) => t.content)).toEqual(['sent before the file was read', 'Hi']);
    // No list ever left out the chat the screen showed.
    for (const ids of lists) expect(ids).toContain(early.id);
    // And the file holds both, as a new app reads it.
    const next = make();
    await next.conversations.open(GW, 'encrypted');
    expect(next.conversations.list().map((s) => s.id).sort()).toEqual([kept.id, early.id].sort());
  });

  it('answers the screen\'s first list with the file\'s chats, and does not wait longer than its bound for a read that hangs', async () => {
    const { c: kept } = await oneAnsweredAndKept();
    const { slow, release } = heldBackRead();
    const conversations = createConversations({ chat: scriptedChat().chat, history: slow, now: () => now, random, logger: memoryLogger() });
    const opening = conversations.open(GW, 'encrypted');
    const first = conversations.listAfterRead(10_000);
    setTimeout(release, 50);
    expect((await first).map((s) => s.id)).toEqual([kept.id]);
    await opening;

    const hung: EncryptedHistory = { ...history, load: () => new Promise<never>(() => {}) };
    const stuck = createConversations({ chat: scriptedChat().chat, history: hung, now: () => now, random, logger: memoryLogger() });
    void stuck.open(GW, 'encrypted');
    const started = Date.now();
    await expect(stuck.listAfterRead(100)).resolves.toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses an altered file, one for another gateway, or one that is not private, and starts empty', async () => {
    const { conversations, c } = await oneAnsweredAndKept();
    const file = history.fileFor(GW);
    const sealed = await readFile(file);
    const key = Buffer.from(keychain.entries.get(`${HISTORY_KEY_SERVICE}\u0000${GW}`)!, 'base64url');
    expect(openHistory(key, GW, sealed)).toContain('hello');
    expect(openHistory(key, 'https://other.example', sealed)).toBeNull();
    const altered = Buffer.from(sealed);
    altered[altered.length - 1]! ^= 1;
    expect(openHistory(key, GW, altered)).toBeNull();
    expect(openHistory(key, GW, sealHistory(key, random(12), GW, 'x').subarray(0, 20))).toBeNull();

    await writeFile(file, altered, { mode: 0o600 });
    expect(await history.load(GW)).toEqual([]);
    await expect(readFile(file)).rejects.toThrow();

    await writeFile(file, sealed, { mode: 0o600 });
    await chmod(file, 0o644);
    await expect(history.load(GW)).rejects.toThrow(/not a private file/);
  });

  /** A long answer streaming, its conversation written to the history file while it streams. */
  async function streamingAndSaved() {
    const chat = scriptedChat();
    chat.set(() => Array.from({ length: 1000 }, () => ({ type: 'delta', content: 'y', model: 'm' }) as ChatDelta));
    const { conversations } = make(chat);
    await conversations.open(GW, 'encrypted');
    const c = conversations.create();
    conversations.send({ conversationId: c.id, model: 'm', text: 'long' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await conversations.saved();
    return { conversations, c };
  }

  it('settles an answer that was streaming when the app ended as cut', async () => {
    const { conversations, c } = await streamingAndSaved();
    conversations.close();
    const next = make();
    await next.conversations.open(GW, 'encrypted');
    expect(next.conversations.get(c.id)!.turns[1]).toMatchObject({ status: 'cut' });
  });

  it('writes nothing once closed: the file keeps what was saved before, not the answer the close stopped', async () => {
    const { conversations, c } = await streamingAndSaved();
    const before = await readdir(dir);
    const file = await readFile(path.join(dir, before[0]!));
    conversations.close();
    // The stream sees the abort on its next delta (1 ms apart); its end is where a write would be asked for.
    await settled(conversations, c.id);
    expect(conversations.get(c.id)!.turns[1]).toMatchObject({ status: 'stopped' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await conversations.saved();
    expect(await readdir(dir)).toEqual(before);
    expect(await readFile(path.join(dir, before[0]!))).toEqual(file);
  });

  it('deletes the file and its key on wipe, and when the policy turns to none', async () => {
    const { conversations, c } = await oneAnsweredAndKept();
    expect(await readdir(dir)).toHaveLength(1);
    await conversations.setPolicy('none');
    expect(await readdir(dir)).toEqual([]);
    expect(keychain.entries.size).toBe(0);
    expect(conversations.get(c.id)).not.toBeNull();

    await conversations.setPolicy('encrypted');
    expect(await readdir(dir)).toHaveLength(1);
    await conversations.wipe();
    expect(await readdir(dir)).toEqual([]);
    expect(keychain.entries.size).toBe(0);
    expect(conversations.list()).toEqual([]);
  });
});
