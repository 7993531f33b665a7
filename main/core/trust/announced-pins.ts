/**
 * How the app's pin set follows the gateway's CA rotation (`GET /v1/trust`, PROTOCOL.md). The
 * gateway announces its current CA's pin and, while one is staged, the next CA's; the app keeps
 * both, so `ca rotate --switch` finds it ready even when its invite carried one pin.
 */

/** Pins an enrollment keeps at most: the current CA's, a staged next one's, and one before them. */
export const MAX_HELD_PINS = 3;

/**
 * The pin set after the gateway announced `announced` (current first, then next), or null when
 * nothing changes. An announcement whose current pin the app does not already hold changes nothing:
 * the connection it came over was pinned, so that can only be a gateway misconfigured mid-rotation,
 * and trust is never widened on its word alone. Pins held before are kept after the announced ones
 * (an instance of a cluster that has not switched yet still serves the old CA), up to the limit.
 */
export function pinsAfterAnnouncement(held: readonly string[], announced: readonly string[]): string[] | null {
  const [current] = announced;
  if (current === undefined || !held.includes(current)) return null;
  const next = [...new Set([...announced, ...held])].slice(0, MAX_HELD_PINS);
  const same = next.length === held.length && next.every((pin) => held.includes(pin));
  return same ? null : next;
}
