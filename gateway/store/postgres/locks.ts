/**
 * Advisory lock keys of the PostgreSQL store (`pg_advisory_xact_lock`, held until commit). One key
 * serialises everything that forms a single ordered history across instances: audit appends (one
 * hash chain) and cluster events (one gap-free sequence in commit order). Revocations are rare and
 * audit appends short, so one lock costs little and rules out two chains forking.
 */
export const CHAIN_LOCK = 0x41_69_72_01; // "Air" + 1
/** Taken while migrating, so that instances starting together migrate once. */
export const MIGRATION_LOCK = 0x41_69_72_02;
