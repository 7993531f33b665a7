import { FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';

/**
 * The Electron fuses every Airlock build flips (DESIGN.md, "Client hardening"). A fuse is baked
 * into the binary before it is signed, so a tester cannot turn the app back into a Node runtime
 * (RunAsNode, NODE_OPTIONS, --inspect), load code from outside the signed ASAR, or read cookies
 * in the clear. LoadBrowserProcessSpecificV8Snapshot is left as Electron ships it.
 */
export const FUSE_PLAN = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false,
} as const satisfies Partial<Record<keyof typeof FuseV1Options, boolean>>;

export type PlannedFuse = keyof typeof FUSE_PLAN;

/** The plan as @electron/fuses wants it. Ad-hoc re-signing is for Apple silicon builds only (flipping breaks their signature). */
export function fuseConfig(options: { resetAdHocDarwinSignature: boolean }): FuseV1Config {
  const config: FuseV1Config = { version: FuseVersion.V1, resetAdHocDarwinSignature: options.resetAdHocDarwinSignature };
  for (const [name, value] of Object.entries(FUSE_PLAN) as [PlannedFuse, boolean][]) config[FuseV1Options[name]] = value;
  return config;
}
