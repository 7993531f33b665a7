/**
 * "The last click wins" for requests whose answers can arrive out of order. Clicking chat A and
 * then chat B quickly sends two requests to main; if A's answer is slower it would arrive last and
 * show A although the tester asked for B. Each `begin()` supersedes every ticket handed out before
 * it; an answer is used only while its ticket is still current.
 */
export interface LatestRequest {
  /** A ticket for a request starting now; every earlier ticket stops being current. */
  begin(): number;
  /** Whether no request began after the one holding `ticket`. */
  isCurrent(ticket: number): boolean;
}

export function latestRequest(): LatestRequest {
  let latest = 0;
  return {
    begin: () => ++latest,
    isCurrent: (ticket) => ticket === latest,
  };
}
