/**
 * `npm run bench`: runs every part in bench/parts/ (alphabetical), each of which measures one area
 * and returns rows; prints all figures side by side with their baselines and targets in one table.
 * Benchmarks print figures; they are not pass/fail tests (the "meets" column is information).
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { watchSilence } from './silence-watch.js';

export interface BenchRow {
  /** The area, e.g. "enrollment", "proxy", "revocation". */
  group: string;
  /** What was measured, e.g. "gateway added TTFT p50". */
  name: string;
  value: number;
  unit: string;
  /** A reference figure measured in the same run or quoted from DESIGN.md, as text. */
  baseline?: string;
  /** The target, as text, e.g. "< 0.5 ms". */
  target?: string;
  /** Whether the target is met, when there is one. */
  meets?: boolean;
}

export type BenchPart = (log: (line: string) => void) => Promise<BenchRow[]>;

function format(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const only = process.argv.slice(2);
  const files = (await readdir(join(here, 'parts'))).filter((f) => f.endsWith('.ts')).sort()
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
  const rows: BenchRow[] = [];
  for (const file of files) {
    const say = (line: string): void => void process.stderr.write(`[${file}] ${line}\n`);
    // A part quiet for a minute gets a line saying so (and what the process waits on).
    const silence = watchSilence(say);
    const log = (line: string): void => {
      silence.heard();
      say(line);
    };
    log('running');
    const mod = (await import(pathToFileURL(join(here, 'parts', file)).href)) as { default: BenchPart };
    try {
      rows.push(...(await mod.default(log)));
    } catch (error) {
      log(`FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      rows.push({ group: file, name: 'part failed (see stderr)', value: Number.NaN, unit: '' });
    } finally {
      silence.stop();
    }
  }
  const table = rows.map((r) => [r.group, r.name, `${format(r.value)} ${r.unit}`.trim(), r.baseline ?? '', r.target ?? '', r.meets === undefined ? '' : r.meets ? 'yes' : 'NO']);
  const head = ['area', 'measure', 'value', 'baseline (same run or DESIGN.md)', 'target', 'meets'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}

await main();
