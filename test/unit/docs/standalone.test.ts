/**
 * The repository stands alone (issue 20): a fresh clone has no sibling `shared` folder, so no tracked
 * file may send a reader there. Reads every file git tracks, as a clone would have it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Built from parts so that this file does not match itself.
const SIBLING = ['..', 'shared'].join('/');

describe('the repository stands alone', () => {
  it(`has no tracked file that points at ${SIBLING}`, () => {
    const files = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const pointing = files.filter((file) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return false; // listed but absent from the work tree (deleted, not yet committed)
      }
      return text.includes(SIBLING);
    });
    expect(pointing).toEqual([]);
  });
});
