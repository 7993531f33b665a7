/**
 * An invite link inside text the tester is about to send (pasted into the chat box by mistake):
 * it holds a one-time code and must never reach the model. Main refuses it too (main/ipc/handlers.ts).
 */
export function findInviteLink(text: string): string | null {
  return /airlock:\/\/enroll\?[^\s"'<>]+/i.exec(text)?.[0] ?? null;
}
