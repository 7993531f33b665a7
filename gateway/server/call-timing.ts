/**
 * Where one call's time goes, step by step (issue 19): process.hrtime marks along the hot path,
 * recorded only when AIRLOCK_CALL_TIMING names a file (benches set it; production never does).
 * Off, `mark` is one null check. On, each call's marks become per-step gaps, and their median
 * and p90 are written as JSON to that file when the process exits.
 */
import { writeFileSync } from 'node:fs';

const FILE = process.env.AIRLOCK_CALL_TIMING;

interface Recorder {
  mark(owner: object, step: string): void;
  finish(owner: object): void;
}

function createRecorder(file: string): Recorder {
  const open = new WeakMap<object, Array<[string, bigint]>>();
  const gaps = new Map<string, number[]>();
  let calls = 0;
  process.once('exit', () => {
    const summary: Record<string, { p50Us: number; p90Us: number; n: number }> = {};
    for (const [step, values] of gaps) {
      values.sort((a, b) => a - b);
      summary[step] = { p50Us: values[Math.floor(values.length / 2)]!, p90Us: values[Math.floor(values.length * 0.9)]!, n: values.length };
    }
    writeFileSync(file, `${JSON.stringify({ calls, steps: summary }, null, 1)}\n`);
  });
  return {
    mark(owner, step) {
      let marks = open.get(owner);
      if (!marks) open.set(owner, (marks = []));
      marks.push([step, process.hrtime.bigint()]);
    },
    finish(owner) {
      const marks = open.get(owner);
      if (!marks) return;
      open.delete(owner);
      calls++;
      for (let i = 1; i < marks.length; i++) {
        const step = `${marks[i - 1]![0]} -> ${marks[i]![0]}`;
        let list = gaps.get(step);
        if (!list) gaps.set(step, (list = []));
        list.push(Number(marks[i]![1] - marks[i - 1]![1]) / 1000);
      }
    },
  };
}

const recorder: Recorder | null = FILE ? createRecorder(FILE) : null;

/** Whether marks are recorded (wiring that would cost something when off checks this first). */
export const callTimingOn = recorder !== null;

/** Marks a step of the call `owner` (the raw request) stands for; nothing unless timing is on. */
export function markCall(owner: object, step: string): void {
  recorder?.mark(owner, step);
}

/** The call is over: its gaps join the summary. */
export function finishCall(owner: object): void {
  recorder?.finish(owner);
}
