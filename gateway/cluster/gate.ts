/**
 * The fail-closed gate of one gateway instance on a shared PostgreSQL. While the instance's
 * notification feed is down it cannot know about revocations made through other instances, so it
 * refuses authenticated requests until it has listened again and caught up from the store.
 * Starts closed: an instance serves only after its first catch-up.
 */
export type GateState = 'closed' | 'open';

export interface ClusterGate {
  readonly state: GateState;
  /** Why the gate is closed, for logs and the refusal message. */
  readonly reason: string;
  isOpen(): boolean;
  /** Throws `ClusterUnavailableError` while closed. Cheap: called on every authenticated request. */
  assertOpen(): void;
  close(reason: string): void;
  open(): void;
  /** Resolves once the gate is open (at once if it is). */
  whenOpen(): Promise<void>;
  /** Called with each new state. */
  onChange(listener: (state: GateState, reason: string) => void): () => void;
}

/**
 * Refusal while the gate is closed. Carries `statusCode` 503 and a `Retry-After` hint so that an
 * HTTP error handler that honours them answers "try again shortly" rather than a client error.
 */
export class ClusterUnavailableError extends Error {
  readonly statusCode = 503;
  readonly retryAfter = 1;
  constructor(reason: string) {
    super(`The gateway is reconnecting to its shared store (${reason}); try again in a moment.`);
    this.name = 'ClusterUnavailableError';
  }
}

export function createClusterGate(initialReason = 'starting'): ClusterGate {
  let state: GateState = 'closed';
  let reason = initialReason;
  let waiters: Array<() => void> = [];
  const listeners = new Set<(state: GateState, reason: string) => void>();

  function emit(): void {
    for (const listener of listeners) {
      try {
        listener(state, reason);
      } catch {
        // A failing observer must not keep the gate in a half-changed state.
      }
    }
  }

  return {
    get state() {
      return state;
    },
    get reason() {
      return reason;
    },
    isOpen() {
      return state === 'open';
    },
    assertOpen() {
      if (state !== 'open') throw new ClusterUnavailableError(reason);
    },
    close(why) {
      reason = why;
      if (state === 'closed') return;
      state = 'closed';
      emit();
    },
    open() {
      if (state === 'open') return;
      state = 'open';
      reason = '';
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
      emit();
    },
    whenOpen() {
      if (state === 'open') return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
