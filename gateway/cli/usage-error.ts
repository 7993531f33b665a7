/** A command line the CLI cannot run; `didYouMean` is the command or flag it most likely meant. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly didYouMean?: string,
    /** The command whose usage the hint should point at. */
    readonly command?: string,
  ) {
    super(message);
  }
}
