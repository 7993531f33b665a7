/**
 * JSON from a source the core does not trust (an SSE event, a keychain secret, a command's output),
 * or undefined when it is not JSON at all: the caller's zod schema then refuses it like any other
 * wrong shape, so there is one refusal path instead of a parse error and a shape error.
 */
export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
