/**
 * One line per skipped step, said once: a hook that runs per file or per arch (Windows signing,
 * notarization) must not repeat itself, and must never skip silently either.
 */
export interface Notice {
  once(key: string, line: string): void;
}

export function createNotice(write: (line: string) => void): Notice {
  const said = new Set<string>();
  return {
    once(key, line) {
      if (said.has(key)) return;
      said.add(key);
      write(line);
    },
  };
}
