/**
 * Command-line switches that open the app to a debugger or weaken its sandbox. Electron honours
 * them even in a packaged build (no fuse covers --remote-debugging-port/pipe), and a debugger can
 * read the device key out of memory or drive the renderer.
 */
const SWITCHES = [/^remote-debugging-(port|pipe|address)$/, /^inspect(-brk|-wait|-port|-publish-uid)?$/, /^debug(-brk|-port)?$/, /^no-sandbox$/, /^disable-web-security$/];

/** Chromium reads `--x`, `-x` and (on Windows) `/x`, in any case on Windows. */
function switchName(argument: string, platform: NodeJS.Platform): string | null {
  const match = (platform === 'win32' ? /^(?:--|-|\/)([A-Za-z][\w-]*)(?:=.*)?$/s : /^(?:--|-)([A-Za-z][\w-]*)(?:=.*)?$/s).exec(argument);
  if (!match) return null;
  return platform === 'win32' ? match[1]!.toLowerCase() : match[1]!;
}

/** The debugging or sandbox-weakening switches in a command line, as given. */
export function debugSwitchesIn(argv: readonly string[], platform: NodeJS.Platform = process.platform): string[] {
  return argv.filter((argument) => {
    const name = switchName(argument, platform);
    return name !== null && SWITCHES.some((pattern) => pattern.test(name));
  });
}
