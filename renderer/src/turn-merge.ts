import type { Conversation, Turn } from '../../main/ipc/contract.js';

/**
 * Which of two reports of the same turn is the later one. Main's replies (sendMessage,
 * getConversation) and its change events travel apart (in the dev preview as separate HTTP
 * requests), so a reply's snapshot can arrive after events newer than it. An answer that ended
 * never streams again, and a streaming answer only grows; a tie goes to the incoming report.
 */
export function laterTurn(held: Turn, incoming: Turn): Turn {
  if (held.role !== 'assistant' || incoming.role !== 'assistant') return incoming;
  const heldEnded = held.status !== 'streaming';
  const incomingEnded = incoming.status !== 'streaming';
  if (heldEnded !== incomingEnded) return heldEnded ? held : incoming;
  if (!heldEnded && held.content.length > incoming.content.length) return held;
  return incoming;
}

/** One turn reported by a change event, placed into the conversation on screen. */
export function mergeTurn(conversation: Conversation, turn: Turn): Conversation {
  const at = conversation.turns.findIndex((t) => t.id === turn.id);
  const turns = at === -1 ? [...conversation.turns, turn] : conversation.turns.map((t, i) => (i === at ? laterTurn(t, turn) : t));
  return { ...conversation, turns };
}

/**
 * A whole conversation from a reply, placed over the one on screen: each turn keeps its later
 * report, and turns only the screen knows of (events that overtook the reply) stay after it.
 */
export function mergeConversation(held: Conversation | null, incoming: Conversation): Conversation {
  if (held === null || held.id !== incoming.id) return incoming;
  const heldById = new Map(held.turns.map((t) => [t.id, t]));
  const incomingIds = new Set(incoming.turns.map((t) => t.id));
  const turns = [
    ...incoming.turns.map((t) => {
      const mine = heldById.get(t.id);
      return mine ? laterTurn(mine, t) : t;
    }),
    ...held.turns.filter((t) => !incomingIds.has(t.id)),
  ];
  return { ...incoming, turns };
}

/**
 * A send's reply, which may arrive after the tester moved on (New chat, another conversation, a
 * wipe): it only updates the conversation it was sent in, and only while that one is on screen.
 */
export function mergeSendReply(held: Conversation | null, reply: Conversation): Conversation | null {
  return held !== null && held.id === reply.id ? mergeConversation(held, reply) : held;
}
