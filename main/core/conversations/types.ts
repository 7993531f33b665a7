import { z } from 'zod';
import { httpsOrigin, isoTime } from '../../../protocol/schemas/common.js';

/**
 * A conversation as main keeps it (issue 14). Each answer carries the model the upstream said wrote
 * it (never the picker's value), when it was asked and ended, and how it ended; once an answer has
 * ended none of that changes. The same schema reads the encrypted history file back.
 */

/** How an answer ended: `complete` (the model finished), `stopped` (the tester), `cut` (ended early), `failed` (no answer). */
export const answerStatus = z.enum(['streaming', 'complete', 'stopped', 'cut', 'failed']);
export type AnswerStatus = z.infer<typeof answerStatus>;

/** The most text one turn may hold (about 100k tokens). */
export const MAX_TURN_CHARS = 400_000;
/** Turns per conversation (the chat call takes at most 500 messages). */
export const MAX_TURNS = 500;
/** Conversations kept per gateway; the oldest goes first. */
export const MAX_CONVERSATIONS = 100;

const turnId = z.string().regex(/^t_[A-Za-z0-9_-]{8,40}$/);
export const conversationId = z.string().regex(/^c_[A-Za-z0-9_-]{8,40}$/, 'must be a conversation id');

export const userTurn = z.strictObject({
  id: turnId,
  role: z.literal('user'),
  content: z.string().max(MAX_TURN_CHARS),
  at: isoTime,
});

export const answerTurn = z.strictObject({
  id: turnId,
  role: z.literal('assistant'),
  content: z.string().max(MAX_TURN_CHARS),
  /** The model named in the upstream's answer; null until its first chunk (or when none came). */
  model: z.string().max(200).nullable(),
  /** What the picker said when this was asked (shown only when the answer named no model). */
  requested: z.string().max(200),
  startedAt: isoTime,
  endedAt: isoTime.nullable(),
  status: answerStatus,
  error: z.strictObject({
    code: z.string().max(64),
    message: z.string().max(2000),
    /** A rate limit: when the tester may send again. */
    retryAt: isoTime.optional(),
  }).optional(),
});

export const turn = z.discriminatedUnion('role', [userTurn, answerTurn]);
export type UserTurn = z.infer<typeof userTurn>;
export type AnswerTurn = z.infer<typeof answerTurn>;
export type Turn = z.infer<typeof turn>;

export const conversation = z.strictObject({
  id: conversationId,
  title: z.string().max(200),
  createdAt: isoTime,
  updatedAt: isoTime,
  turns: z.array(turn).max(MAX_TURNS),
});
export type Conversation = z.infer<typeof conversation>;

/** The decrypted history file: one gateway's conversations. */
export const historyFile = z.strictObject({
  v: z.literal(1),
  gateway: httpsOrigin,
  conversations: z.array(conversation).max(MAX_CONVERSATIONS),
});
export type HistoryFile = z.infer<typeof historyFile>;

export interface ConversationSummary {
  id: string;
  title: string;
  updatedAt: string;
  turns: number;
  streaming: boolean;
}

/** What main tells the renderer: the list changed, or one turn of one conversation did. */
export type ConversationChange =
  | { kind: 'list'; conversations: ConversationSummary[] }
  | { kind: 'turn'; conversationId: string; turn: Turn };

/** Whether this app keeps conversations across restarts right now (the Device screen says so, and only so). */
export interface HistoryStatus {
  policy: 'none' | 'encrypted';
  /** True only when the last write of the encrypted file succeeded (or nothing needed writing yet). */
  kept: boolean;
  /** Why it is not kept, in the tester's words. */
  problem: string | null;
}
