import { flipFuses, getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import { FUSE_PLAN, fuseConfig, type PlannedFuse } from './fuse-plan.js';

/** @electron/fuses' byte values for a fuse's state in the wire. */
const ENABLED = 49;
const DISABLED = 48;

export type FuseOutcome =
  | { applied: true; readBack: Record<PlannedFuse, boolean> }
  | { applied: false; reason: string };

export class FuseError extends Error {
  override readonly name = 'FuseError';
}

type FuseWire = Awaited<ReturnType<typeof getCurrentFuseWire>>;

/** The planned fuses' states in a wire; a planned fuse that is missing or removed is an error (`advice` says what to do). */
function plannedStates(wire: FuseWire, electronPath: string, advice = ''): Record<PlannedFuse, boolean> {
  const out = {} as Record<PlannedFuse, boolean>;
  for (const name of Object.keys(FUSE_PLAN) as PlannedFuse[]) {
    const state = (wire as unknown as Record<number, number | undefined>)[FuseV1Options[name]];
    if (state !== ENABLED && state !== DISABLED) throw new FuseError(`fuse ${name} is missing or removed in ${electronPath} (state ${String(state)})${advice}`);
    out[name] = state === ENABLED;
  }
  return out;
}

/** Reads the planned fuses back from a binary: each must be set exactly as planned. */
export async function readPlannedFuses(electronPath: string): Promise<Record<PlannedFuse, boolean>> {
  return plannedStates(await getCurrentFuseWire(electronPath), electronPath);
}

function isMissingSentinel(error: unknown): boolean {
  return error instanceof Error && /could not find sentinel/i.test(error.message);
}

/**
 * Flips the planned fuses in a packaged Electron binary, then reads them back and refuses any
 * difference. A binary without a fuse wire is an error for a release (`requireFuseWire`), and is
 * reported, not hidden, for a stand-in binary in tests. A planned fuse this Electron has removed
 * (or does not have) is an error: @electron/fuses would write it anyway, and it would mean nothing.
 */
export async function applyFuses(electronPath: string, options: { resetAdHocDarwinSignature: boolean; requireFuseWire: boolean }): Promise<FuseOutcome> {
  let before: FuseWire;
  try {
    before = await getCurrentFuseWire(electronPath);
  } catch (error) {
    if (isMissingSentinel(error) && !options.requireFuseWire) {
      return { applied: false, reason: `${electronPath} has no Electron fuse wire (not a real Electron binary)` };
    }
    throw new FuseError(`cannot flip the Electron fuses of ${electronPath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  plannedStates(before, electronPath, '; review the fuse plan for this Electron version');
  await flipFuses(electronPath, fuseConfig(options));
  const readBack = await readPlannedFuses(electronPath);
  for (const name of Object.keys(FUSE_PLAN) as PlannedFuse[]) {
    if (readBack[name] !== FUSE_PLAN[name]) throw new FuseError(`fuse ${name} reads back ${readBack[name]}, planned ${FUSE_PLAN[name]}`);
  }
  return { applied: true, readBack };
}
