/**
 * A bench part that says nothing for a long while may be working (a long run) or waiting on
 * something that will never come. Either way the person watching should not face silence: after
 * `everyMs` without a line the part's log gets one saying how long it has been quiet and what the
 * process is waiting on (Node's active resources: sockets, child processes, timers), which tells
 * a run that waits on a child or a socket from one that computes.
 */
export interface SilenceWatch {
  /** The part wrote a line: the quiet time starts again. */
  heard(): void;
  stop(): void;
}

/** `{ TCPSocketWrap: 3, Timeout: 2 }` as "3 TCPSocketWrap, 2 Timeout", most first. */
export function describeResources(types: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([type, n]) => `${n} ${type}`).join(', ') || 'nothing';
}

export function watchSilence(say: (line: string) => void, everyMs = 60_000, resources: () => string[] = () => process.getActiveResourcesInfo()): SilenceWatch {
  let lastHeard = Date.now();
  const timer = setInterval(() => {
    const quietS = Math.round((Date.now() - lastHeard) / 1000);
    if (quietS * 1000 >= everyMs) say(`still running, no line for ${quietS} s; the process is waiting on ${describeResources(resources())}`);
  }, everyMs);
  timer.unref();
  return {
    heard: () => void (lastHeard = Date.now()),
    stop: () => clearInterval(timer),
  };
}
