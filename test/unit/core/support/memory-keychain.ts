import type { Keychain } from '../../../../main/core/ports.js';

/** An in-memory keychain; `fail` makes every call throw as a missing Secret Service would. */
export function memoryKeychain(): Keychain & { entries: Map<string, string>; fail: Error | null } {
  const entries = new Map<string, string>();
  const state = { fail: null as Error | null };
  const key = (service: string, account: string) => `${service}\u0000${account}`;
  const guard = (): void => {
    if (state.fail) throw state.fail;
  };
  return {
    entries,
    get fail() {
      return state.fail;
    },
    set fail(error) {
      state.fail = error;
    },
    async get(service, account) {
      guard();
      return entries.get(key(service, account)) ?? null;
    },
    async set(service, account, secret) {
      guard();
      entries.set(key(service, account), secret);
    },
    async delete(service, account) {
      guard();
      return entries.delete(key(service, account));
    },
    async list(service) {
      guard();
      return [...entries].filter(([k]) => k.startsWith(`${service}\u0000`)).map(([k, secret]) => ({ account: k.slice(service.length + 1), secret }));
    },
  };
}
