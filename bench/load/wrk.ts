/**
 * Debian's `wrk` as the throughput client: one thread, `connections` keep-alive connections, every
 * request built by calls.lua from a plan file written before the clock starts (one pre-signed DPoP
 * proof per request). wrk costs a few µs a call where a Node client costs hundreds, so the cores
 * go to the server being measured. wrk verifies no certificate: it speaks plain HTTP to a local
 * TLS client hop (bench/load/roles.ts) that verifies the target's CA and name.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const SCRIPT = fileURLToPath(new URL('./calls.lua', import.meta.url));

export interface WrkPlan {
  /** Where wrk connects: `http://127.0.0.1:PORT` (the TLS hop's port for TLS targets). */
  url: string;
  path: string;
  body: string;
  /** `DPoP <token>`, or '' for none. */
  authorization: string;
  /** Answers to count before wrk stops. */
  answers: number;
  /** What a good answer's body ends with, before trailing white space. */
  ending: string;
  /** One per request, at least `answers + connections` of them; empty for targets without DPoP. */
  proofs: string[];
  connections: number;
}

const wrkResult = z.object({
  answers: z.number().int(),
  bad: z.number().int(),
  firstBad: z.string(),
  /** From the first request to the last counted answer. */
  durationUs: z.number().positive(),
  p50Us: z.number(),
  p99Us: z.number(),
});
export type WrkResult = z.infer<typeof wrkResult>;

/** Runs one plan to its end; throws when wrk fails or any answer was not a good one. */
export async function runWrk(plan: WrkPlan, planFile: string): Promise<WrkResult> {
  if (plan.proofs.length > 0 && plan.proofs.length < plan.answers + plan.connections) throw new Error(`wrk plan: ${plan.proofs.length} proofs for ${plan.answers} answers over ${plan.connections} connections`);
  if ([plan.path, plan.body, plan.authorization, plan.ending, ...plan.proofs].some((line) => line.includes('\n'))) throw new Error('wrk plan: a line holds a newline');
  // The plan holds a (bench) access token: readable by this user only.
  await writeFile(planFile, [plan.path, plan.body, plan.authorization, String(plan.answers), plan.ending, ...plan.proofs].join('\n') + '\n', { mode: 0o600 });
  const child = spawn('wrk', ['-t', '1', '-c', String(plan.connections), '-d', '120s', '--timeout', '10s', '-s', SCRIPT, plan.url], {
    env: { ...process.env, AIRLOCK_WRK_PLAN: planFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let woken = false;
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    // The thread has stopped itself; wake wrk's main thread from its -d sleep (calls.lua).
    if (!woken && out.includes('AIRLOCK_WRK_STOPPED\n')) {
      woken = true;
      child.kill('SIGINT');
    }
  });
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  const line = /^AIRLOCK_WRK (.+)$/m.exec(out);
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${out.slice(-500)}`);
  const result = wrkResult.parse(JSON.parse(line[1]!));
  if (result.bad > 0) throw new Error(`wrk: ${result.bad} of ${result.answers} answers were not good; the first: ${result.firstBad}`);
  if (result.answers < plan.answers) throw new Error(`wrk stopped after ${result.answers} of ${plan.answers} answers: ${out.slice(-500)}`);
  return result;
}
