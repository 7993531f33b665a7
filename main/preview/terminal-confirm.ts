/**
 * DEV-ONLY: the browser preview's stand-in for main's native dialogs. The page cannot answer a
 * question asked on the terminal that runs `npm start`, so the decision stays out of the
 * renderer's reach here too; without a terminal the answer is no, said so on stderr.
 */
import { createInterface } from 'node:readline/promises';
import { enrollmentQuestion, signOutQuestion } from '../ipc/confirmations.js';
import type { Confirmations } from '../ipc/confirmations.js';

export interface TerminalIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

export function terminalConfirmations(io: TerminalIo = { input: process.stdin, output: process.stdout }): Confirmations {
  let asking: Promise<unknown> = Promise.resolve();
  const ask = (question: { message: string; detail: string; confirm: string }): Promise<boolean> => {
    const run = asking.then(async () => {
      if (!io.input.isTTY) {
        io.output.write(`airlock: "${question.message}" needs a yes in the terminal running npm start, and there is none: refused.\n`);
        return false;
      }
      const lines = createInterface({ input: io.input, output: io.output, terminal: false });
      try {
        const answer = await lines.question(`\nairlock: ${question.message}\n${question.detail.replace(/^/gm, '  ')}\nairlock: type "yes" to ${question.confirm.toLowerCase()}, anything else cancels: `);
        return answer.trim().toLowerCase() === 'yes';
      } finally {
        lines.close();
      }
    });
    asking = run.catch(() => undefined);
    return run;
  };
  return {
    enrollment: (request) => ask(enrollmentQuestion(request)),
    signOut: (request) => ask(signOutQuestion(request)),
  };
}
