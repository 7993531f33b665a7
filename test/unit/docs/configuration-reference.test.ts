/**
 * docs/CONFIGURATION.md must not drift from the code. Fails when:
 *  - a command of the CLI's table (gateway/cli/commands/index.ts) has no "### `airlock-gateway NAME`"
 *    section, a section names a command the table lacks, one of the command's flags (aliases aside) is
 *    not in its section, or a flag table's first column names a flag the command does not take; the
 *    flags every command takes (gateway/cli/global-options.ts) likewise under "Flags every command takes";
 *  - a policy field (read from the zod schema in protocol/schemas/policy.ts, nested objects as dotted
 *    paths) has no row in the "Policy" table, a row names a field the schema no longer has, or a row's
 *    default differs from the schema's default (compared as JSON);
 *  - a file that gateway/config/data-dir.ts names has no row in "Files in the data directory".
 * New fields and files added by anyone then need one line in the reference, or this test names them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { COMMANDS } from '../../../gateway/cli/commands/index.js';
import { GLOBAL_OPTIONS } from '../../../gateway/cli/global-options.js';
import { dataPaths } from '../../../gateway/config/data-dir.js';
import { DEFAULT_POLICY, policy } from '../../../protocol/schemas/policy.js';

const DOC = readFileSync(path.resolve('docs/CONFIGURATION.md'), 'utf8');

/** The lines of the `## ` or `### ` section whose heading starts with `heading`, up to the next heading of that level or above. */
function section(heading: string): string {
  const lines = DOC.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start < 0) throw new Error(`docs/CONFIGURATION.md has no heading "${heading}"`);
  const level = heading.split(' ')[0]!.length;
  const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line) && line.split(' ')[0]!.length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The first two cells of each body row of the markdown tables in `text`, backticks kept. */
function rows(text: string): [string, string][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| ') && !/^\| (---|field|file|flag|variable|command|script) /.test(line))
    .map((line) => {
      const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
      return [cells[0] ?? '', cells[1] ?? ''];
    });
}

type AnySchema = z.ZodType & { def: { type: string; innerType?: AnySchema; in?: AnySchema }; shape?: Record<string, AnySchema> };

/** Dotted paths of every leaf field of a zod object, looking through defaults, optionals and pipes. */
function fieldPaths(schema: AnySchema, prefix = ''): string[] {
  let inner = schema;
  while (inner.def.innerType || (inner.def.type === 'pipe' && inner.def.in)) inner = (inner.def.innerType ?? inner.def.in)!;
  if (inner.def.type !== 'object' || !inner.shape) return [prefix];
  return Object.entries(inner.shape).flatMap(([key, child]) => fieldPaths(child, prefix ? `${prefix}.${key}` : key));
}

function valueAt(value: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], value);
}

/** The flags named in the first column of a section's tables (`--name VALUE`, `-n N`). */
function tableFlags(text: string): string[] {
  return rows(text).flatMap(([first]) => [...first.matchAll(/`--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!));
}

describe('docs/CONFIGURATION.md', () => {
  it('has a section for every CLI command, naming each of its flags, and none for a command the CLI lacks', () => {
    const documented = DOC.split('\n').flatMap((line) => /^### `airlock-gateway (.+)`$/.exec(line)?.[1] ?? []);
    expect([...documented].sort(), 'docs/CONFIGURATION.md needs one "### `airlock-gateway NAME`" section per command of gateway/cli/commands/index.ts').toEqual(COMMANDS.map((c) => c.name).sort());
    for (const command of COMMANDS) {
      const text = section(`### \`airlock-gateway ${command.name}\``);
      const own = Object.entries(command.options ?? {}).filter(([, spec]) => !spec.aliasOf).map(([name]) => name);
      for (const name of own) expect(text, `docs/CONFIGURATION.md: add --${name} to the flag table of "${command.name}"`).toMatch(new RegExp(`\`--${name}[ \`]`));
      for (const name of tableFlags(text)) expect(Object.keys(command.options ?? {}), `"${command.name}" documents --${name}`).toContain(name);
    }
  });

  it('lists the flags every command takes, and no other there', () => {
    const text = section('### Flags every command takes');
    expect([...tableFlags(text)].sort(), 'docs/CONFIGURATION.md, "Flags every command takes": one row per flag of gateway/cli/global-options.ts').toEqual(Object.keys(GLOBAL_OPTIONS).sort());
  });

  it('lists every policy field with the schema\'s default, and no field the schema lacks', () => {
    const documented = new Map(rows(section('## Policy')).map(([field, def]) => [field.replace(/^`|`$/g, ''), def]));
    const fields = fieldPaths(policy as unknown as AnySchema);
    expect(fields.length).toBeGreaterThan(10);
    expect([...documented.keys()].sort(), 'docs/CONFIGURATION.md, "Policy": one row per field of protocol/schemas/policy.ts (nested ones dotted)').toEqual([...fields].sort());
    // A nested object's fields have two defaults: the parent's (the file leaves the object out) and their
    // own (the file has it, empty). They must agree, or the documented default would be only half true.
    const emptyParents: Record<string, unknown> = {};
    for (const field of fields.filter((f) => f.includes('.'))) emptyParents[field.slice(0, field.indexOf('.'))] = {};
    const withEmptyParents = policy.parse(emptyParents);
    for (const field of fields) {
      expect(documented.get(field), `default of ${field}`).toBe(`\`${JSON.stringify(valueAt(DEFAULT_POLICY, field))}\``);
      expect(valueAt(withEmptyParents, field), `default of ${field} inside an empty parent object`).toEqual(valueAt(DEFAULT_POLICY, field));
    }
  });

  it('lists every file of the data directory that the gateway names', () => {
    const documented = rows(section('## Files in the data directory')).map(([file]) => file);
    const dir = '/data';
    for (const file of Object.values(dataPaths(dir)).filter((p) => p !== dir).map((p) => path.basename(p))) {
      expect(documented.some((cell) => cell.startsWith(`\`${file}\``)), `${file} in "Files in the data directory"`).toBe(true);
    }
  });
});
