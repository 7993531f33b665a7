/**
 * Admin commands, timed: one that cuts live connections (its answer carries `cut`: device revoke,
 * tester suspend, and any later command that cuts) counts as a revocation, with the time from the
 * command reaching this gateway to the cut being done, and the number of connections cut.
 */
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import type { MetricSet } from './metric-set.js';

/** The admin operations as the server runs them: a request, then whatever else they take (who asked). */
export type AdminRun<Rest extends unknown[] = unknown[]> = (request: AdminRequest, ...rest: Rest) => Promise<unknown>;

export function timedAdmin<Rest extends unknown[]>(run: AdminRun<Rest>, metrics: MetricSet): AdminRun<Rest> {
  return async (request, ...rest) => {
    const started = performance.now();
    const result = await run(request, ...rest);
    const cut = typeof result === 'object' && result !== null ? (result as { cut?: unknown }).cut : undefined;
    if (typeof cut === 'number') {
      const labels = { op: request.op };
      metrics.revocationCutSeconds.observe(labels, (performance.now() - started) / 1000);
      metrics.revocations.inc(labels);
      metrics.connectionsCut.inc(labels, cut);
    }
    return result;
  };
}
