import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { callAdmin } from './admin-call.js';
import { str, type CliCommand } from './command.js';
import { EXIT } from './exit-codes.js';
import { failureOf, formatFailure } from './failure.js';
import { commandHelp, groupHelp, overviewHelp } from './help.js';
import { parseCommandLine } from './parse.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

async function packageVersion(): Promise<string> {
  const raw = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  return z.object({ version: z.string().max(64) }).parse(JSON.parse(raw)).version;
}

/** Runs one command line against the command table; returns the exit code (exit-codes.ts). */
export async function runCli(argv: readonly string[], commands: readonly CliCommand[], io: CliIo = processIo): Promise<number> {
  const json = argv.includes('--json');
  if (argv.length === 0) {
    io.stderr(overviewHelp(commands));
    return EXIT.usage;
  }
  try {
    const parsed = parseCommandLine(argv, commands);
    switch (parsed.kind) {
      case 'overview':
        io.stdout(overviewHelp(commands));
        return EXIT.ok;
      case 'version': {
        const version = await packageVersion();
        io.stdout(json ? JSON.stringify({ version }) : `airlock-gateway ${version}`);
        return EXIT.ok;
      }
      case 'group':
        io.stdout(groupHelp(parsed.group, parsed.commands));
        return EXIT.ok;
      case 'help':
        io.stdout(commandHelp(parsed.command));
        return EXIT.ok;
      case 'run': {
        const { command, values, args } = parsed;
        const dataDir = resolve(str(values.data) ?? command.defaultDataDir ?? 'airlock-data');
        return await command.run({
          values,
          args,
          dataDir,
          json,
          out: io.stdout,
          err: io.stderr,
          admin: (request, options = {}) => callAdmin({ dataDir, store: str(values.store), ...options }, request),
        });
      }
    }
  } catch (error) {
    const failure = failureOf(error);
    io.stderr(formatFailure(failure, json));
    return failure.exit;
  }
}
