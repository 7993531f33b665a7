import type { z } from 'zod';

/** A refusal of the console API: `{"error":{"code","message"}}` with this status. */
export class ConsoleHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parses untrusted input with its schema; the refusal names the first bad field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConsoleHttpError(400, 'bad_request', `${what}: ${issue ? `${issue.path.join('.') || 'it'} ${issue.message}` : 'malformed'}.`);
  }
  return parsed.data;
}
