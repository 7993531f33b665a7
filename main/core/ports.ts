/**
 * The small ports the client core depends on (Teleport's service shape). Production passes the
 * real ones from node-ports.ts and keychain/keytar-keychain.ts; unit tests pass in-memory fakes.
 */

/** The OS keychain, as keytar exposes it. Secrets are strings; the service is always `Airlock`. */
export interface Keychain {
  get(service: string, account: string): Promise<string | null>;
  set(service: string, account: string, secret: string): Promise<void>;
  delete(service: string, account: string): Promise<boolean>;
  list(service: string): Promise<Array<{ account: string; secret: string }>>;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export type RandomBytes = (n: number) => Uint8Array;

/** The app's data directory: the core only ever lists and wipes it. */
export interface DataDir {
  readonly path: string;
  /** Deletes everything under the directory (the directory itself stays). */
  wipe(): Promise<void>;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a fixed program with arguments (never a shell string); a missing program resolves with code null. */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<CommandResult>;

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
