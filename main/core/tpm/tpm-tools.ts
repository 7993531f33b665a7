/**
 * Runs Debian's tpm2-tools (5.4) against one TPM: `execFile`, never a shell; the TPM named by a
 * TCTI string in the child's environment (`TPM2TOOLS_TCTI`), never in argv; files in a private
 * work directory (0700) removed after each operation. No authorization value is ever passed: the
 * keys have empty auth and the hierarchies are used with theirs (empty on a desktop Linux).
 *
 * tpm2-tools saves every object it loads as a context file and, on a TPM reached without a
 * resource manager (swtpm, /dev/tpm0), leaves it loaded: a TPM holds only a few (3 on swtpm).
 * There each tool call is followed by `tpm2_flushcontext -t`; `/dev/tpmrm*` flushes on close.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_TCTI = 'device:/dev/tpmrm0';

export class TpmToolError extends Error {
  readonly tool: string;
  /** The program was not found (tpm2-tools not installed). */
  readonly missing: boolean;
  constructor(tool: string, detail: string, missing: boolean) {
    super(`tpm: ${tool} failed: ${detail}`);
    this.name = 'TpmToolError';
    this.tool = tool;
    this.missing = missing;
  }
}

export interface TpmTools {
  readonly tcti: string;
  /** Runs one tool in `dir`; resolves with its stdout, rejects with a TpmToolError. */
  run(tool: string, args: readonly string[], dir: string): Promise<string>;
  /** A private work directory for one operation, removed afterwards whatever happens. */
  inWorkDir<T>(op: (dir: WorkDir) => Promise<T>): Promise<T>;
  /** A private work directory the caller removes (an enrollment spans network calls). */
  openWorkDir(): Promise<WorkDir>;
}

export interface WorkDir {
  readonly path: string;
  file(name: string): string;
  write(name: string, bytes: Uint8Array): Promise<string>;
  read(name: string): Promise<Uint8Array>;
  /** Deletes the directory and everything in it. Safe to call twice. */
  remove(): Promise<void>;
}

/** A TCTI reaching a resource manager, which flushes a client's objects when it disconnects. */
export function hasResourceManager(tcti: string): boolean {
  return /^device:\/dev\/tpmrm\d+$/.test(tcti) || tcti.startsWith('tabrmd');
}

/** `TPM2TOOLS_TCTI` from the environment, else the kernel's resource manager. Bounded, no newlines. */
export function tctiFrom(env: NodeJS.ProcessEnv, configured?: string): string {
  const value = configured ?? env['TPM2TOOLS_TCTI'] ?? DEFAULT_TCTI;
  if (value.length === 0 || value.length > 256 || /[\0\r\n]/.test(value)) throw new Error('tpm: the TCTI setting is not usable');
  return value;
}

/** Keeps stderr short and single-line for errors and logs (tools print ESYS traces). */
function summary(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const pick = lines.find((l) => l.startsWith('ERROR:')) ?? lines.at(-1) ?? 'no output';
  return pick.slice(0, 300);
}

export function createTpmTools(options: { tcti: string; timeoutMs?: number; tmpRoot?: string; env?: NodeJS.ProcessEnv }): TpmTools {
  const tcti = options.tcti;
  const timeout = options.timeoutMs ?? 30_000;
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), TPM2TOOLS_TCTI: tcti };
  const flushAfter = !hasResourceManager(tcti);

  function exec(tool: string, args: readonly string[], dir: string): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(tool, [...args], { cwd: dir, env, timeout, maxBuffer: 1 << 20, windowsHide: true }, (error, stdout, stderr) => {
        if (error === null) return resolve(String(stdout));
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new TpmToolError(tool, missing ? `${tool} is not installed` : summary(String(stderr)), missing));
      });
    });
  }

  // One tool at a time per TPM: tpm2-tools calls are not atomic sequences, and a flush between
  // two callers' steps would unload the other's object.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(op: () => Promise<T>): Promise<T> {
    const next = queue.then(op, op);
    queue = next.catch(() => undefined);
    return next;
  }

  async function openWorkDir(): Promise<WorkDir> {
    // mkdtemp makes the directory 0700, owned by this user.
    const path = await mkdtemp(join(options.tmpRoot ?? tmpdir(), 'airlock-tpm-'));
    const file = (name: string): string => join(path, name);
    return {
      path,
      file,
      async write(name, bytes) {
        await writeFile(file(name), bytes, { mode: 0o600 });
        return file(name);
      },
      async read(name) {
        return new Uint8Array(await readFile(file(name)));
      },
      remove: () => rm(path, { recursive: true, force: true }),
    };
  }

  return {
    tcti,
    run(tool, args, dir) {
      return serial(async () => {
        try {
          return await exec(tool, args, dir);
        } finally {
          if (flushAfter) await exec('tpm2_flushcontext', ['-t'], dir).catch(() => undefined);
        }
      });
    },
    openWorkDir,
    async inWorkDir(op) {
      const dir = await openWorkDir();
      try {
        return await op(dir);
      } finally {
        await dir.remove();
      }
    },
  };
}
