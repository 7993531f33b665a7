/** Server-sent event framing (one place, so every channel writes the same bytes). */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A data-only event, as OpenAI streams are framed; `data` is already serialized. */
export function sseData(data: string): string {
  return data.includes('\n') ? `${data.split('\n').map((line) => `data: ${line}`).join('\n')}\n\n` : `data: ${data}\n\n`;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store, no-transform',
  // Reverse proxies (nginx) must not buffer a stream.
  'x-accel-buffering': 'no',
} as const;
