import type { AdminRequest } from '../../protocol/schemas/admin.js';

/** One flag of a command: its type for node:util parseArgs, and what its help line says. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in the usage text (EMAIL, 72h, URL). */
  value?: string;
  help: string;
  required?: boolean;
  /** Another name for `aliasOf` (kept for old scripts); not listed in the usage line. */
  aliasOf?: string;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command's `run` gets: flags and arguments already checked against its spec. */
export interface CommandInput {
  values: OptionValues;
  args: string[];
  dataDir: string;
  json: boolean;
  out(text: string): void;
  err(text: string): void;
  /** An admin request on the running gateway (admin socket), or on the store when none runs. */
  admin(request: AdminRequest, options?: { origin?: string; live?: boolean }): Promise<unknown>;
}

/**
 * One `airlock-gateway` command. A new command is a module exporting one of these plus one line
 * in commands/index.ts; its usage text, help and did-you-mean come from this description.
 */
export interface CliCommand {
  /** `invite create`: a group word and a verb, or one word (`serve`). */
  name: string;
  aliases?: readonly string[];
  /** One line, for the overview and the top of its own help. */
  summary: string;
  /** More lines under the summary in its own help. */
  description?: string;
  /** Positional arguments, in order (`ID`, `EMAIL`, `FILE`). */
  args?: readonly string[];
  options?: Readonly<Record<string, OptionSpec>>;
  examples?: readonly string[];
  /** Data directory when --data is not given (default ./airlock-data). */
  defaultDataDir?: string;
  run(input: CommandInput): Promise<number>;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
