/** Reads a fetch Response's SSE body into events, as a client would (test helper). */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export async function* sseEvents(body: ReadableStream<Uint8Array> | null): AsyncGenerator<EventSourceMessage> {
  if (!body) return;
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => void queue.push(event) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length) yield queue.shift()!;
    }
    while (queue.length) yield queue.shift()!;
  } finally {
    reader.releaseLock();
  }
}

export async function allEvents(body: ReadableStream<Uint8Array> | null): Promise<EventSourceMessage[]> {
  const out: EventSourceMessage[] = [];
  for await (const e of sseEvents(body)) out.push(e);
  return out;
}
