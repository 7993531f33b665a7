import type { CliCommand, OptionSpec } from './command.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { GLOBAL_OPTIONS } from './global-options.js';

const BIN = 'airlock-gateway';

function flagText(name: string, spec: OptionSpec): string {
  return `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
}

/** `invite create --email EMAIL [--expires 72h] ...`: required flags bare, the rest in brackets. */
export function synopsis(command: CliCommand): string {
  const flags = Object.entries(command.options ?? {})
    .filter(([, s]) => !s.aliasOf)
    .map(([name, s]) => {
      const text = `--${name}${s.type === 'string' ? ` ${s.value ?? 'VALUE'}` : ''}${s.multiple ? '...' : ''}`;
      return s.required ? text : `[${text}]`;
    });
  return [command.name, ...(command.args ?? []), ...flags].join(' ');
}

function optionLines(specs: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(specs).map(([name, s]) => [flagText(name, s), s.aliasOf ? `the same as --${s.aliasOf} (older name)` : `${s.help}${s.required ? ' (required)' : ''}`] as const);
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`);
}

/** What `COMMAND --help` prints. */
export function commandHelp(command: CliCommand): string {
  const lines = [`Usage: ${BIN} ${synopsis(command)}`, '', command.summary];
  if (command.aliases?.length) lines.push(`Also: ${command.aliases.map((a) => `${BIN} ${a}`).join(', ')}`);
  if (command.description) lines.push('', command.description);
  if (command.options && Object.keys(command.options).length > 0) lines.push('', 'Options:', ...optionLines(command.options));
  lines.push('', 'Common options:', ...optionLines(GLOBAL_OPTIONS));
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${BIN} ${e}`));
  lines.push('', EXIT_CODES_HELP);
  return lines.join('\n');
}

function commandList(commands: readonly CliCommand[]): string[] {
  const rows = commands.map((c) => [[c.name, ...(c.args ?? [])].join(' '), c.summary] as const);
  const width = Math.max(...rows.map(([n]) => n.length));
  return rows.map(([n, s]) => `  ${n.padEnd(width)}  ${s}`);
}

/** What a bare group (`airlock-gateway device`) prints: its subcommands. */
export function groupHelp(group: string, commands: readonly CliCommand[]): string {
  return [`Usage: ${BIN} ${group} <subcommand> [options]`, '', 'Subcommands:', ...commandList(commands), '', `Run "${BIN} ${group} <subcommand> --help" for its options.`].join('\n');
}

/** What `airlock-gateway --help` prints: every command in one line each. */
export function overviewHelp(commands: readonly CliCommand[]): string {
  return [
    `Usage: ${BIN} <command> [options]`,
    '',
    'Commands:',
    ...commandList(commands),
    '',
    'Common options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    `Run "${BIN} <command> --help" for a command's options. Flags may come before or after the command.`,
    EXIT_CODES_HELP,
  ].join('\n');
}
