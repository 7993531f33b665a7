import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { terminalConfirmations } from '../../../main/preview/terminal-confirm.js';

/** The preview's stand-in for main's dialog: a question on the terminal running npm start, which the page cannot answer. */
function terminal(isTTY: boolean) {
  const input = Object.assign(new PassThrough(), { isTTY });
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk: Buffer) => void (written += chunk.toString()));
  return { io: { input, output }, input, written: () => written };
}

const request = { gateway: 'https://gw.example', host: 'gw.example', pins: [`sha256/${'B'.repeat(43)}=`], replaces: null };

describe('preview confirmations in the terminal', () => {
  it('enrolls only on a typed "yes", after showing the gateway and pin', async () => {
    const t = terminal(true);
    const answer = terminalConfirmations(t.io).enrollment(request);
    await new Promise((resolve) => setTimeout(resolve, 10));
    t.input.write('yes\n');
    expect(await answer).toBe(true);
    expect(t.written()).toContain('Enroll this device with gw.example?');
    expect(t.written()).toContain(request.pins[0]);
  });

  it('anything else is no', async () => {
    const t = terminal(true);
    const answer = terminalConfirmations(t.io).signOut({ gateway: 'https://gw.example', localOnly: false });
    await new Promise((resolve) => setTimeout(resolve, 10));
    t.input.write('y\n');
    expect(await answer).toBe(false);
  });

  it('without a terminal the answer is no, and it says so', async () => {
    const t = terminal(false);
    expect(await terminalConfirmations(t.io).enrollment(request)).toBe(false);
    expect(t.written()).toMatch(/needs a yes in the terminal running npm start, and there is none: refused/);
  });
});
