/**
 * The open control channels of one gateway. One shared heartbeat timer and one policy
 * subscription serve every channel (a timer per channel would cost memory and wake-ups at 5,000
 * channels). A channel whose client stops reading is dropped rather than buffered without bound.
 */
import { toClientPolicy, type Policy } from '../../protocol/schemas/policy.js';
import { sseEvent } from './sse.js';

/** Bytes a channel may have queued for a client that is not reading before it is closed. */
const MAX_QUEUED_BYTES = 256 * 1024;

export interface ChannelSink {
  /** Writes an event; returns false when the client is not keeping up. */
  write(text: string): boolean;
  queued(): number;
  end(last?: string): void;
}

export interface EventChannels {
  open(sink: ChannelSink): () => void;
  size(): number;
  /** Sends the current policy to every channel (wired to the policy holder's onChange). */
  broadcastPolicy(policy: Policy): void;
  heartbeat(nowMs: number): void;
  close(): void;
}

export function createEventChannels(options: { heartbeatMs: number; now: () => number }): EventChannels {
  const sinks = new Set<ChannelSink>();
  const send = (text: string): void => {
    for (const sink of sinks) {
      if (sink.queued() > MAX_QUEUED_BYTES) {
        sinks.delete(sink);
        sink.end();
        continue;
      }
      sink.write(text);
    }
  };
  const api: EventChannels = {
    open(sink) {
      sinks.add(sink);
      return () => void sinks.delete(sink);
    },
    size: () => sinks.size,
    broadcastPolicy(policy) {
      send(sseEvent('policy', toClientPolicy(policy)));
    },
    heartbeat(nowMs) {
      send(sseEvent('heartbeat', { at: Math.floor(nowMs / 1000) }));
    },
    close() {
      clearInterval(timer);
      for (const sink of sinks) sink.end();
      sinks.clear();
    },
  };
  const timer = setInterval(() => api.heartbeat(options.now()), options.heartbeatMs);
  timer.unref();
  return api;
}
