/**
 * The chat screen's merge of main's reports. A send's reply and the answer's change events travel
 * apart (in the dev preview as separate HTTP requests), so when the gateway is down the answer's
 * "failed" event can arrive before the reply that still says "streaming": the screen must keep
 * the later report, or the failed answer shows as answering for ever (the e2e test "reloads the
 * models by itself after a gateway restart" saw exactly that under load).
 */
import { describe, expect, it } from 'vitest';
import type { AnswerTurn, Conversation, UserTurn } from '../../../main/ipc/contract.js';
import { laterTurn, mergeConversation, mergeSendReply, mergeTurn } from '../../../renderer/src/turn-merge.js';

const at = '2026-12-03T12:00:00.000Z';
const question: UserTurn = { id: 't_q', role: 'user', content: 'are you there?', at };
const streaming: AnswerTurn = { id: 't_a', role: 'assistant', content: '', model: null, requested: 'airlock-demo', startedAt: at, endedAt: null, status: 'streaming' };
const failed: AnswerTurn = { ...streaming, endedAt: at, status: 'failed', error: { code: 'gateway_unreachable', message: 'The gateway is not reachable.' } };
const before: Conversation = { id: 'c_1', title: 'Untitled chat', createdAt: at, updatedAt: at, turns: [] };
const replyOfSend: Conversation = { ...before, title: 'are you there?', turns: [question, streaming] };

describe('merging main’s reports on the chat screen', () => {
  it('keeps a failed answer failed when the send’s reply arrives after the failure event', () => {
    let shown = before;
    for (const turn of [question, streaming, failed]) shown = mergeTurn(shown, turn);
    shown = mergeConversation(shown, replyOfSend);
    expect(shown.turns.map((t) => (t.role === 'assistant' ? t.status : t.role))).toEqual(['user', 'failed']);
    expect(shown.title).toBe('are you there?');
  });

  it('takes the reply when no event came first, and the events after it', () => {
    let shown = mergeConversation(before, replyOfSend);
    expect(shown.turns).toEqual([question, streaming]);
    shown = mergeTurn(shown, { ...streaming, content: 'Yes' });
    shown = mergeTurn(shown, { ...streaming, content: 'Yes.', endedAt: at, status: 'complete', model: 'airlock-demo' });
    expect(shown.turns.at(-1)).toMatchObject({ content: 'Yes.', status: 'complete' });
  });

  it('never lets an older, shorter streaming report replace a longer one', () => {
    const longer = { ...streaming, content: 'Hello there' };
    expect(laterTurn(longer, { ...streaming, content: 'Hello' })).toBe(longer);
    const grown = { ...streaming, content: 'Hello there, tester' };
    expect(laterTurn(longer, grown)).toBe(grown);
  });

  it('keeps turns only the screen has seen (events that overtook a conversation reload)', () => {
    const stale: Conversation = { ...before, turns: [] };
    const held = mergeTurn(mergeTurn(before, question), streaming);
    expect(mergeConversation(held, stale).turns).toEqual([question, streaming]);
  });

  it('shows another conversation as it is', () => {
    const other: Conversation = { ...before, id: 'c_2', turns: [] };
    expect(mergeConversation(replyOfSend, other)).toBe(other);
  });

  it('leaves a send’s late reply out when the tester has moved to a new chat (or the chats were wiped)', () => {
    const fresh: Conversation = { ...before, id: 'c_new', turns: [] }; // New chat, before the reply came
    expect(mergeSendReply(fresh, replyOfSend)).toBe(fresh);
    expect(mergeSendReply(null, replyOfSend)).toBeNull();
    const same = mergeSendReply(mergeTurn(mergeTurn(before, question), failed), replyOfSend);
    expect(same?.turns.map((t) => (t.role === 'assistant' ? t.status : t.role))).toEqual(['user', 'failed']);
  });
});
