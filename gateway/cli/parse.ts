import { parseArgs } from 'node:util';
import type { CliCommand, OptionSpec, OptionValues } from './command.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import { closest } from './suggest.js';
import { UsageError } from './usage-error.js';

export { UsageError };

export type ParsedCommandLine =
  | { kind: 'overview' }
  | { kind: 'version' }
  | { kind: 'group'; group: string; commands: CliCommand[] }
  | { kind: 'help'; command: CliCommand }
  | { kind: 'run'; command: CliCommand; values: OptionValues; args: string[] };

/** The words a command is looked up by: its name and its aliases. */
const namesOf = (c: CliCommand) => [c.name, ...(c.aliases ?? [])];

/**
 * Finds the command words among the arguments, skipping flag values, so flags may come before or
 * after the command (`--data D device list` = `device list --data D`). Flag types are looked up
 * in every command: a flag name means the same kind of thing wherever it is used.
 */
function commandWords(argv: readonly string[], commands: readonly CliCommand[]): string[] {
  const takesValue = new Set<string>();
  for (const specs of [GLOBAL_OPTIONS, ...commands.map((c) => c.options ?? {})]) {
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.type !== 'string') continue;
      takesValue.add(`--${name}`);
      if (spec.short) takesValue.add(`-${spec.short}`);
    }
  }
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...words, ...argv.slice(i + 1)];
    if (arg.startsWith('-') && arg !== '-') {
      if (takesValue.has(arg)) i++;
      continue;
    }
    words.push(arg);
  }
  return words;
}

function optionsConfig(specs: Readonly<Record<string, OptionSpec>>) {
  return Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) }]),
  );
}

/** Every `--flag` / `-f` in the arguments that the command does not know, with a suggestion. */
function refuseUnknownFlags(argv: readonly string[], command: CliCommand, specs: Readonly<Record<string, OptionSpec>>): void {
  const { tokens } = parseArgs({ args: [...argv], options: optionsConfig(specs), allowPositionals: true, strict: false, tokens: true });
  const known = Object.keys(specs);
  for (const token of tokens) {
    if (token.kind !== 'option' || known.includes(token.name)) continue;
    const guess = token.rawName.startsWith('--') ? closest(token.name, known) : undefined;
    throw new UsageError(`"${command.name}" has no flag ${token.rawName}`, guess ? `--${guess}` : undefined, command.name);
  }
}

/**
 * Reads a command line against the command table: which command, its flags (typed, aliases folded
 * into their main name) and arguments. Pure: no I/O, so every refusal is unit-testable.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CliCommand[]): ParsedCommandLine {
  const words = commandWords(argv, commands);
  const helpAsked = argv.includes('--help') || argv.includes('-h');
  if (words.length === 0) {
    if (argv.includes('--version')) return { kind: 'version' };
    if (helpAsked) return { kind: 'overview' };
    throw new UsageError('no command given');
  }

  const byName = new Map(commands.flatMap((c) => namesOf(c).map((n) => [n, c] as const)));
  const two = words.length >= 2 ? `${words[0]} ${words[1]}` : '';
  const command = byName.get(two) ?? byName.get(words[0]!);
  if (!command) {
    const group = commands.filter((c) => c.name.split(' ')[0] === words[0] && c.name.includes(' '));
    if (group.length > 0) {
      if (words.length === 1) return { kind: 'group', group: words[0]!, commands: group };
      const guess = closest(two, group.flatMap(namesOf));
      throw new UsageError(`"${words[0]}" has no subcommand "${words[1]}"`, guess, words[0]);
    }
    const firstWords = [...new Set([...byName.keys()].map((n) => n.split(' ')[0]!))];
    const guess = closest(two, [...byName.keys()]) ?? closest(words[0]!, firstWords);
    throw new UsageError(`unknown command "${words[0]}"`, guess);
  }
  if (helpAsked) return { kind: 'help', command };

  const specs = { ...GLOBAL_OPTIONS, ...command.options };
  refuseUnknownFlags(argv, command, specs);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: optionsConfig(specs), allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error), undefined, command.name);
  }
  const values: OptionValues = { ...parsed.values };
  for (const [name, spec] of Object.entries(specs)) {
    if (!spec.aliasOf || values[name] === undefined) continue;
    if (values[spec.aliasOf] !== undefined) throw new UsageError(`--${name} is another name for --${spec.aliasOf}: give one of them`, undefined, command.name);
    values[spec.aliasOf] = values[name];
    delete values[name];
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && values[name] === undefined) throw new UsageError(`--${name} is required`, undefined, command.name);
  }
  const nameLength = (byName.get(two) ? two : words[0]!).split(' ').length;
  const args = parsed.positionals.slice(nameLength);
  const expected = command.args?.length ?? 0;
  if (args.length !== expected) {
    const wanted = expected === 0 ? 'no arguments' : command.args!.join(' ');
    throw new UsageError(`"${command.name}" takes ${wanted} (got ${args.length === 0 ? 'none' : args.map((a) => JSON.stringify(a)).join(' ')})`, undefined, command.name);
  }
  return { kind: 'run', command, values, args };
}
