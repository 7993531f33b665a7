import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Server-sent events of a response body, one at a time; leaving the loop closes the body. */
export async function* sseEvents(body: AsyncIterable<Uint8Array>, maxBufferSize = 4 * 1024 * 1024): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  let failure: Error | null = null;
  const parser = createParser({
    maxBufferSize,
    onEvent: (event) => queue.push(event),
    onError: (error) => {
      if ('type' in error && error.type === 'max-buffer-size-exceeded') failure = new Error('the gateway sent an event that is too large');
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (failure) throw failure;
    while (queue.length > 0) yield queue.shift()!;
  }
  parser.feed(decoder.decode());
  while (queue.length > 0) yield queue.shift()!;
}
