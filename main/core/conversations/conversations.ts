import { AirlockError } from '../../../protocol/errors.js';
import { b64uEncode } from '../../../protocol/encoding.js';
import type { ChatMessage } from '../../../protocol/schemas/chat.js';
import type { ChatDelta } from '../api.js';
import type { Logger, RandomBytes } from '../ports.js';
import type { EncryptedHistory } from './encrypted-history.js';
import {
  MAX_CONVERSATIONS,
  MAX_TURN_CHARS,
  MAX_TURNS,
  type AnswerTurn,
  type Conversation,
  type ConversationChange,
  type ConversationSummary,
  type HistoryStatus,
  type Turn,
} from './types.js';

export type HistoryPolicy = 'none' | 'encrypted';

export interface ConversationsDeps {
  /** The client core's streamed chat. */
  chat(request: { model: string; messages: ChatMessage[] }, signal: AbortSignal): AsyncIterable<ChatDelta>;
  /** Where `encrypted` history goes; null keeps conversations in memory only, whatever the policy. */
  history: EncryptedHistory | null;
  now(): number;
  random: RandomBytes;
  logger: Logger;
}

/**
 * The tester's conversations, kept in main for the app's lifetime (so the Device screen, a reload,
 * or a renderer crash loses nothing) and, when the gateway's policy says `chatHistory: "encrypted"`,
 * across restarts through `EncryptedHistory`. Main, not the renderer, sends the turns to the model
 * and records each answer's model, times and ending as the answer itself reports them.
 */
export interface Conversations {
  list(): ConversationSummary[];
  /**
   * The list once the open gateway's history file has been read, waiting at most `maxWaitMs` for
   * it (a keychain that does not answer must not leave the chat screen without a chat): the screen
   * asks right after enrollment or start, and an empty list then would show a new chat instead of
   * the one the tester was in.
   */
  listAfterRead(maxWaitMs?: number): Promise<ConversationSummary[]>;
  get(id: string): Conversation | null;
  create(): Conversation;
  /** Adds the tester's message and streams the answer into the conversation. */
  send(input: { conversationId: string; model: string; text: string }): Conversation;
  stop(conversationId: string): void;
  onChange(listener: (change: ConversationChange) => void): () => void;
  historyStatus(): HistoryStatus;
  /** The enrolled gateway and its policy: loads kept conversations when they are encrypted at rest. */
  open(gateway: string, policy: HistoryPolicy): Promise<void>;
  setPolicy(policy: HistoryPolicy): Promise<void>;
  /** Forgets every conversation and deletes the file and its key (revocation, sign-out). */
  wipe(): Promise<void>;
  /** Resolves when every history write asked for so far has ended (before the app exits, and for tests). */
  saved(): Promise<void>;
  /** Ends the streams and the listeners; no history write is asked for after it (the ones asked before go on: see `saved`). */
  close(): void;
}

const newId = (prefix: string, random: RandomBytes) => `${prefix}_${b64uEncode(random(12))}`;

function summaryOf(c: Conversation): ConversationSummary {
  return { id: c.id, title: c.title, updatedAt: c.updatedAt, turns: c.turns.length, streaming: c.turns.some((t) => t.role === 'assistant' && t.status === 'streaming') };
}

function titleOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** What the model is sent: every user turn and every answer that has text (a failed one has none). */
export function historyMessages(turns: readonly Turn[]): ChatMessage[] {
  return turns
    .filter((t) => t.content.length > 0 && (t.role === 'user' || t.status !== 'streaming'))
    .map((t) => ({ role: t.role, content: t.content }));
}

/** An answer that was streaming when the app ended was cut by that, and says so. */
function settle(turn: Turn): Turn {
  return turn.role === 'assistant' && turn.status === 'streaming' ? { ...turn, status: 'cut' } : turn;
}

export function createConversations(deps: ConversationsDeps): Conversations {
  const { logger } = deps;
  const iso = () => new Date(deps.now()).toISOString();
  let gateway: string | null = null;
  let policy: HistoryPolicy = 'none';
  let conversations: Conversation[] = [];
  const streams = new Map<string, AbortController>();
  const listeners = new Set<(change: ConversationChange) => void>();
  let status: HistoryStatus = { policy: 'none', kept: false, problem: null };
  let writes: Promise<unknown> = Promise.resolve();
  /**
   * Set by close(): the app is ending, so nothing more is written. An answer it cuts ends on
   * screen as stopped, but the file keeps it as last saved (streaming), and the next start settles
   * it as cut; a write begun now could be torn off by the exit halfway, or land after the next
   * start has read the file.
   */
  let closed = false;
  /** Counts opens and wipes, so a history read that ends after another of them is dropped. */
  let openings = 0;
  /** The read of the open gateway's history file; it never rejects. */
  let read: Promise<void> = Promise.resolve();

  function emit(change: ConversationChange): void {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (error) {
        logger.warn('conversations: a listener threw', { error });
      }
    }
  }
  const sorted = () => [...conversations].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  const emitList = () => emit({ kind: 'list', conversations: sorted().map(summaryOf) });
  const emitTurn = (c: Conversation, turn: Turn) => emit({ kind: 'turn', conversationId: c.id, turn: { ...turn } });

  function find(id: string): Conversation {
    const c = conversations.find((x) => x.id === id);
    if (!c) throw new AirlockError('not_found', 'That conversation is gone (the app was signed out or wiped). Start a new chat.');
    return c;
  }

  /**
   * Writes the conversations as they are when the write runs, after any earlier write and after
   * the history file has been read (a write before that would replace the file with only the chats
   * started since); the Device screen reads the outcome.
   */
  function persist(): Promise<void> {
    const history = deps.history;
    const at = gateway;
    if (closed || history === null || at === null || policy !== 'encrypted') return Promise.resolve();
    const run = writes.then(async () => {
      // Wiped or opened for another gateway meanwhile: these chats are not this file's any more,
      // and the status is what the wipe or open set.
      if (gateway !== at || policy !== 'encrypted') return;
      try {
        await history.save(at, structuredClone(conversations));
        status = { policy, kept: true, problem: null };
      } catch (error) {
        logger.error('conversations: could not write the encrypted history', { error });
        status = { policy, kept: false, problem: 'The app could not write its encrypted history file, so these conversations will not survive a restart.' };
      }
    });
    writes = run;
    return run;
  }

  async function pump(c: Conversation, answer: AnswerTurn, messages: ChatMessage[], controller: AbortController): Promise<void> {
    // How the answer ended, applied in `finally` together with the write, so whoever sees the
    // answer ended also finds its write queued.
    let ending: Partial<AnswerTurn> | null = null;
    const finish = (change: Partial<AnswerTurn>) => {
      ending = change;
    };
    try {
      for await (const delta of deps.chat({ model: answer.requested, messages }, controller.signal)) {
        if (delta.type === 'delta') {
          if (answer.content.length + delta.content.length <= MAX_TURN_CHARS) answer.content += delta.content;
          if (delta.model !== undefined) answer.model ??= delta.model;
          emitTurn(c, answer);
          continue;
        }
        if (delta.type === 'done') {
          if (delta.model !== undefined) answer.model ??= delta.model;
          finish({ status: delta.finishReason === 'length' ? 'cut' : 'complete' });
        } else if (delta.code === 'cancelled') {
          finish({ status: 'stopped' });
        } else {
          const retryAt = delta.retryAfter === undefined ? undefined : new Date(deps.now() + delta.retryAfter * 1000).toISOString();
          finish({ status: answer.content.length > 0 ? 'cut' : 'failed', error: { code: delta.code, message: delta.message, ...(retryAt ? { retryAt } : {}) } });
        }
        break;
      }
    } catch (error) {
      logger.warn('conversations: the answer stream threw', { error });
    } finally {
      Object.assign(
        answer,
        ending ?? (controller.signal.aborted ? { status: 'stopped' } : { status: answer.content.length > 0 ? 'cut' : 'failed', error: { code: 'network_error', message: 'The answer ended early.' } }),
        { endedAt: iso() },
      );
      streams.delete(c.id);
      c.updatedAt = iso();
      // A wipe while this streamed has already forgotten the conversation: nothing to tell or keep.
      if (conversations.includes(c)) {
        emitTurn(c, answer);
        emitList();
        void persist();
      }
    }
  }

  /** Over the bound, the conversation touched longest ago goes (never one that is answering, nor `keep`). */
  function keepWithinBound(keep: Conversation | null): void {
    while (conversations.length > MAX_CONVERSATIONS) {
      const oldest = sorted().reverse().find((x) => !streams.has(x.id) && x !== keep);
      if (!oldest) break;
      conversations = conversations.filter((x) => x !== oldest);
    }
  }

  function forgetAll(): void {
    // A history read still on its way belongs to what is forgotten now.
    openings++;
    for (const controller of streams.values()) controller.abort();
    streams.clear();
    conversations = [];
  }

  return {
    list: () => sorted().map(summaryOf),
    async listAfterRead(maxWaitMs = 3000) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([read, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
      clearTimeout(timer);
      return sorted().map(summaryOf);
    },
    get: (id) => {
      const c = conversations.find((x) => x.id === id);
      return c ? structuredClone(c) : null;
    },

    create() {
      if (gateway === null) throw new AirlockError('device_unknown', 'This device is not enrolled. Enroll with an invite link.');
      const at = iso();
      // A chat nobody has written in yet is the new chat: "New chat" twice, or a screen that asks
      // twice while it starts, must not leave empty "Untitled chat"s behind in the list.
      const empty = conversations.find((x) => x.turns.length === 0);
      if (empty) {
        empty.updatedAt = at;
        emitList();
        return structuredClone(empty);
      }
      const c: Conversation = { id: newId('c', deps.random), title: 'Untitled chat', createdAt: at, updatedAt: at, turns: [] };
      conversations.push(c);
      keepWithinBound(c);
      emitList();
      return structuredClone(c);
    },

    send(input) {
      const c = find(input.conversationId);
      const text = input.text.trim();
      if (text.length === 0) throw new AirlockError('bad_request', 'Write a message first.');
      if (text.length > MAX_TURN_CHARS) throw new AirlockError('payload_too_large', 'That message is too long to send. Shorten it and try again.');
      if (streams.has(c.id)) throw new AirlockError('bad_request', 'The model is still answering in this chat. Stop it or wait, then send.');
      if (c.turns.length + 2 > MAX_TURNS) throw new AirlockError('bad_request', 'This chat is as long as a chat may be. Start a new chat.');
      const messages: ChatMessage[] = [...historyMessages(c.turns), { role: 'user', content: text }];
      const at = iso();
      const user: Turn = { id: newId('t', deps.random), role: 'user', content: text, at };
      const answer: AnswerTurn = { id: newId('t', deps.random), role: 'assistant', content: '', model: null, requested: input.model, startedAt: at, endedAt: null, status: 'streaming' };
      c.turns.push(user, answer);
      if (c.turns.length === 2) c.title = titleOf(text);
      c.updatedAt = at;
      const controller = new AbortController();
      streams.set(c.id, controller);
      emitTurn(c, user);
      emitTurn(c, answer);
      emitList();
      void persist();
      void pump(c, answer, messages, controller);
      return structuredClone(c);
    },

    stop(conversationId) {
      streams.get(conversationId)?.abort();
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    historyStatus: () => ({ ...status }),

    async open(next, nextPolicy) {
      if (gateway !== next) {
        forgetAll();
        gateway = next;
        policy = nextPolicy;
        status = { policy, kept: policy === 'encrypted' && deps.history !== null, problem: null };
        if (policy === 'encrypted' && deps.history !== null) {
          const history = deps.history;
          const opened = ++openings;
          // The screen shows as soon as the device is enrolled, before this read ends, and the
          // tester may start a chat and send in it meanwhile: those chats stay, after the file's.
          // The read is queued with the writes, so no write replaces the file before it is read.
          const reading = writes.then(() => history.load(next)).then((loaded) => {
            if (opened !== openings) return;
            conversations = [...loaded.map((c) => ({ ...c, turns: c.turns.map(settle) })), ...conversations];
            keepWithinBound(null);
          });
          read = reading.catch(() => undefined);
          writes = read;
          try {
            await reading;
            if (opened !== openings) return;
          } catch (error) {
            logger.error('conversations: could not read the encrypted history', { error });
            status = { policy, kept: false, problem: 'The app could not read its encrypted history file, so earlier conversations are not shown.' };
          }
        } else if (deps.history === null && policy === 'encrypted') {
          status = { policy, kept: false, problem: 'This app keeps conversations only while it runs.' };
        }
        emitList();
        return;
      }
      await this.setPolicy(nextPolicy);
    },

    async setPolicy(next) {
      if (next === policy) return;
      policy = next;
      const history = deps.history;
      if (history === null || gateway === null) {
        status = { policy, kept: false, problem: policy === 'encrypted' ? 'This app keeps conversations only while it runs.' : null };
        return;
      }
      if (policy === 'none') {
        const at = gateway;
        // Nothing may stay on disk once the policy says so: the file and its key go now.
        const run = writes.then(() => history.remove(at));
        writes = run.catch(() => undefined);
        await run.catch((error: unknown) => logger.error('conversations: could not delete the history file', { error }));
        status = { policy, kept: false, problem: null };
        return;
      }
      await persist();
    },

    async wipe() {
      const at = gateway;
      forgetAll();
      gateway = null;
      status = { policy, kept: false, problem: null };
      emitList();
      if (at !== null && deps.history !== null) {
        const history = deps.history;
        const run = writes.then(() => history.remove(at));
        writes = run.catch(() => undefined);
        await run;
      }
    },

    saved: () => writes.then(() => undefined, () => undefined),

    close() {
      closed = true;
      for (const controller of streams.values()) controller.abort();
      listeners.clear();
    },
  };
}
