/** Types for lock-drift.mjs (plain JavaScript because it runs before dependencies are installed). */
export declare function lockDrift(wantedLock: unknown, installedLock: unknown): string[];
