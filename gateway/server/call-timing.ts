/**
 * Where one call's time goes, step by step (issue 19): process.hrtime marks along the hot path,
 * recorded only when AIRLOCK_CALL_TIMING names a file (benches set it; production never does).
 * Off, `mark` is one null check. On, each call's marks become per-step gaps (`a -> b`) and times
 * since its first mark (`first => b`), whose median and p90 are written as JSON to that file when
 * the process exits.
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
      const add = (step: string, ns: bigint): void => {
        let list = gaps.get(step);
        if (!list) gaps.set(step, (list = []));
        list.push(Number(ns) / 1000);
      };
      for (let i = 1; i < marks.length; i++) {
        add(`${marks[i - 1]![0]} -> ${marks[i]![0]}`, marks[i]![1] - marks[i - 1]![1]);
        // From the first mark too: the time to the answer's headers is the wait before the first byte.
        if (i > 1) add(`${marks[0]![0]} => ${marks[i]![0]}`, marks[i]![1] - marks[0]![1]);
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
