/**
 * What `airlock-gateway` exits with; scripts branch on these, so they only ever grow.
 * README "Running a gateway (the admin CLI)" lists them for admins.
 */
export const EXIT = {
  ok: 0,
  /** The check failed (audit verify, policy check) or the gateway refused the action (not found, refused). */
  failed: 1,
  /** The command line is wrong: unknown command or flag, bad flag value, missing argument. */
  usage: 2,
  /** The running gateway (admin socket) or the shared store could not be reached. */
  unreachable: 3,
  /** The data directory cannot be used: missing, not an Airlock data directory, readable by others, bad policy file. */
  dataDir: 4,
  /** A bug: the message says so and the gateway log has the details. */
  internal: 70,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes: 0 ok, 1 check failed or action refused, 2 usage error, 3 gateway or store unreachable,
4 data directory not usable, 70 internal error.`;
