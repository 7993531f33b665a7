/**
 * How a model call tells its upstream request to stop. An AbortController and its signal cost 4 to
 * 5 µs a call to build (an EventTarget with its internal state; issue 19) for the one listener the
 * transport adds; `CallStop` is the same one-shot contract with a plain list: `aborted` and
 * `reason` as on an AbortSignal, and 'abort' listeners called once, in order, when it stops. An
 * AbortSignal satisfies `StopSignal` too, so a transport takes either.
 */
export interface StopSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class CallStop implements StopSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | null = null;

  /** Every listener runs once (the only way an abort can run), so `options.once` changes nothing. */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at >= 0) this.listeners!.splice(at, 1);
  }

  /** Stops once (later calls do nothing); each listener runs once, as with `{ once: true }`. */
  abort(reason: unknown = new Error('the call was stopped')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = null;
    if (listeners) for (const listener of listeners) listener();
  }
}

/** An AbortSignal that follows `stop`, for APIs that take only a real one (timers' `sleep`). */
export function abortSignalOf(stop: StopSignal): AbortSignal {
  if (stop instanceof AbortSignal) return stop;
  const controller = new AbortController();
  if (stop.aborted) controller.abort(stop.reason);
  else stop.addEventListener('abort', () => controller.abort(stop.reason), { once: true });
  return controller.signal;
}
