/**
 * Issue 13, must-show 5: over every command in the table, `--help` exits 0 and prints that
 * command's usage, a misspelt command suggests the right one, a bad flag suggests the right flag,
 * and with `--json` every error on stderr is one JSON document. In-process (runCli with captured
 * output); cli.test.ts runs the same through the real bin.
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../gateway/cli/commands/index.js';
import { runCli } from '../../../gateway/cli/run.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, COMMANDS, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** Two neighbouring letters of the last word swapped: `device lsit`, `invite craete`. */
function misspelt(name: string): string[] {
  const words = name.split(' ');
  const last = words.pop()!;
  let i = Math.min(1, last.length - 2);
  if (last[i] === last[i + 1]) i = 0;
  return [...words, `${last.slice(0, i)}${last[i + 1]}${last[i]}${last.slice(i + 2)}`];
}

const names = COMMANDS.map((c) => c.name);

describe('every command', () => {
  it.each(names)('%s --help prints its own usage and exits 0', async (name) => {
    const r = await run([...name.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: airlock-gateway ${name}\\b`));
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stderr).toBe('');
    // -h too, and the flag may come first.
    expect((await run(['-h', ...name.split(' ')])).stdout).toBe(r.stdout);
  });

  it.each(names)('a misspelt "%s" suggests it (exit 2)', async (name) => {
    const wrong = misspelt(name);
    expect(wrong.join(' ')).not.toBe(name);
    const r = await run(wrong);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Did you mean "${name}"?`);
    const json = await run([...wrong, '--json']);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'usage', exit: 2, didYouMean: name } });
  });

  it.each(names)('%s --json with an unknown flag: a JSON error naming the command (exit 2)', async (name) => {
    const r = await run([...name.split(' '), '--no-such-flag', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const parsed = JSON.parse(r.stderr) as { error: { message: string } };
    expect(parsed.error.message).toContain(`"${name}" has no flag --no-such-flag`);
  });

  it.each(COMMANDS.filter((c) => Object.keys(c.options ?? {}).some((o) => o.length >= 4)).map((c) => c.name))('%s suggests its flag for a misspelt one', async (name) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const option = Object.keys(command.options!).find((o) => o.length >= 4)!;
    const typo = `${option[0]}${option[2]}${option[1]}${option.slice(3)}`;
    const r = await run([...name.split(' '), `--${typo}`, 'x', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { didYouMean: `--${option}` } });
  });
});

describe('the command line as a whole', () => {
  it('a bare group prints its subcommands and exits 0', async () => {
    for (const group of new Set(names.filter((n) => n.includes(' ')).map((n) => n.split(' ')[0]!))) {
      const r = await run([group]);
      expect(r.code, group).toBe(0);
      for (const sub of names.filter((n) => n.startsWith(`${group} `))) expect(r.stdout).toContain(sub);
    }
  });

  it('--version prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^airlock-gateway \d+\.\d+\.\d+/);
    expect(JSON.parse((await run(['--version', '--json'])).stdout)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('takes flags before or after the command words', async () => {
    const before = await run(['--data', '/nonexistent-airlock', '--json', 'device', 'list']);
    const after = await run(['device', 'list', '--data', '/nonexistent-airlock', '--json']);
    expect(before).toEqual(after);
    expect(JSON.parse(before.stderr)).toMatchObject({ error: { code: 'data_dir', exit: 4 } });
  });

  it('names a directory that is not an Airlock data directory as such, and gives no chmod advice for it', async () => {
    const r = await run(['audit', 'verify', '--data', '/tmp']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('/tmp is not an Airlock data directory');
    expect(r.stderr).not.toContain('chmod');
  });

  it('a wrong number of arguments is a usage error naming them', async () => {
    const r = await run(['device', 'show']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"device show" takes ID');
  });

  it('no command at all prints the overview on stderr with exit 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Commands:');
  });
});
