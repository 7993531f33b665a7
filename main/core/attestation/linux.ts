import { z } from 'zod';
import { jsonOrUndefined } from '../json.js';

/** Linux evidence sources, as pure parsers over what the collector reads. */

export type DiskEncryption = 'on' | 'off' | 'unknown';

/** `PRETTY_NAME` of os-release(5), else `NAME VERSION_ID`; null when the file says neither. */
export function parseOsRelease(text: string): string | null {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    values.set(match[1]!, match[2]!.replace(/^(["'])(.*)\1$/, '$2').replace(/\\(.)/g, '$1'));
  }
  const pretty = values.get('PRETTY_NAME');
  if (pretty) return pretty.slice(0, 200);
  const name = values.get('NAME');
  if (!name) return null;
  return `${name} ${values.get('VERSION_ID') ?? ''}`.trim().slice(0, 200);
}

/** A machine-id(5) is 32 lower-case hex digits; anything else is not one. */
export function parseMachineId(text: string): string | null {
  const id = text.trim().toLowerCase();
  return /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id) ? id : null;
}

interface LsblkNode {
  type?: string | null | undefined;
  mountpoint?: string | null | undefined;
  mountpoints?: Array<string | null> | null | undefined;
  children?: LsblkNode[] | undefined;
}
const lsblkNode: z.ZodType<LsblkNode> = z.lazy(() =>
  z.object({
    type: z.string().nullish(),
    mountpoint: z.string().nullish(),
    mountpoints: z.array(z.string().nullable()).nullish(),
    children: z.array(lsblkNode).optional(),
  }),
);
const lsblkOutput = z.object({ blockdevices: z.array(lsblkNode) });

/**
 * Root disk encryption from `lsblk -J -o NAME,TYPE,MOUNTPOINT[S]`: the tree goes from disks down
 * to what is mounted, so `/` is encrypted when a `crypt` device lies on its path. `/` not on any
 * block device (overlay, network root, container) is `unknown`, never a guess.
 */
export function diskEncryptionFromLsblk(json: string): DiskEncryption {
  const parsed = lsblkOutput.safeParse(jsonOrUndefined(json));
  if (!parsed.success) return 'unknown';
  const mounts = (n: LsblkNode): Array<string | null> => [n.mountpoint ?? null, ...(n.mountpoints ?? [])];
  function walk(nodes: LsblkNode[], crypt: boolean): DiskEncryption | null {
    for (const node of nodes) {
      const onPath = crypt || node.type === 'crypt';
      if (mounts(node).includes('/')) return onPath ? 'on' : 'off';
      const below = walk(node.children ?? [], onPath);
      if (below !== null) return below;
    }
    return null;
  }
  return walk(parsed.data.blockdevices, false) ?? 'unknown';
}

/** The `major:minor` of the device mounted at `/`, from /proc/self/mountinfo; null if virtual or absent. */
export function rootDeviceFromMountinfo(text: string): string | null {
  // Mounts are listed in mount order: when several sit on `/`, the last one is what `/` is.
  const root = text.split('\n').map((line) => line.split(' ')).filter((fields) => fields[4] === '/').at(-1);
  const dev = root?.[2];
  if (!dev || !/^\d+:\d+$/.test(dev) || dev.startsWith('0:')) return null;
  return dev;
}

/** A filesystem view of /sys, injected so the walk is tested with a recorded tree. */
export interface SysfsReader {
  readFile(path: string): Promise<string | null>;
  readdir(path: string): Promise<string[] | null>;
  /** Resolves /sys/dev/block/MAJ:MIN to its /sys/block/... directory name. */
  realName(path: string): Promise<string | null>;
}

/** More devices than this under `/` is not a machine we understand: unknown, not a partial answer. */
const MAX_STACK = 64;

/**
 * Root disk encryption from sysfs (file reads only; the collector's first source): walk from the
 * root device down its `slaves/`; a device-mapper device whose `dm/uuid` starts with `CRYPT-` is
 * dm-crypt (LUKS), as lsblk itself decides its `crypt` type.
 */
export async function diskEncryptionFromSysfs(mountinfo: string, sys: SysfsReader): Promise<DiskEncryption> {
  const dev = rootDeviceFromMountinfo(mountinfo);
  if (dev === null) return 'unknown';
  const start = await sys.realName(`/sys/dev/block/${dev}`);
  if (start === null) return 'unknown';
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    if (seen.size >= MAX_STACK) return 'unknown';
    seen.add(name);
    const uuid = await sys.readFile(`/sys/class/block/${name}/dm/uuid`);
    if (uuid !== null && uuid.trim().startsWith('CRYPT-')) return 'on';
    queue.push(...((await sys.readdir(`/sys/class/block/${name}/slaves`)) ?? []));
  }
  return 'off';
}
