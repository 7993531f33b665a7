import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { releaseManifest } from '../../protocol/release/manifest.js';
import { signReleaseManifest } from '../../protocol/release/sign.js';
import { verifyReleaseManifest } from '../../protocol/release/verify.js';
import { checkArtefacts } from '../../protocol/release/artefacts.js';
import { ReleaseError, describeIssue, isReleaseError } from '../../protocol/release/errors.js';
import { generateReleaseKey, loadReleaseSigner, parseTrustedKeys } from './release-key.js';
import { measureArtefacts } from './measure.js';

export interface CliIo {
  stdout(line: string): void;
  stderr(line: string): void;
  env: Record<string, string | undefined>;
}

const USAGE = `usage:
  airlock-release keygen --out FILE [--json]
  airlock-release sign MANIFEST.json [--key FILE] [--artefacts DIR] [--out FILE] [--json]
  airlock-release verify MANIFEST.jws --trusted-key FILE [--trusted-key FILE]... [--artefacts DIR] [--json]
The release key comes from --key FILE, AIRLOCK_RELEASE_KEY_FILE, or AIRLOCK_RELEASE_KEY (the private JWK itself).
--trusted-key takes a public JWK, a JSON array of them, or a gateway policy.json (its releaseKeys).
Artefact names are relative to --artefacts DIR, by default the manifest's folder.`;

class UsageError extends Error {}

/** `airlock-release keygen | sign | verify`; returns the exit code (0 ok, 1 refused, 2 usage). */
export async function runReleaseCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'keygen':
        return await keygen(rest, io);
      case 'sign':
        return await sign(rest, io);
      case 'verify':
        return await verify(rest, io);
      default:
        throw new UsageError(command === undefined || command === '--help' ? 'a command is required' : `unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`airlock-release: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (isReleaseError(error)) {
      io.stderr(`airlock-release ${command}: refused (${error.code}): ${error.message}`);
      return 1;
    }
    io.stderr(`airlock-release ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(args: readonly string[], options: OptionSpec, positionals: number): { values: ParsedValues; positionals: string[] } {
  const parsed = parseArgs({ args: [...args], options: { ...options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (parsed.positionals.length !== positionals) throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}`);
  return { values: parsed.values as ParsedValues, positionals: parsed.positionals };
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

async function keygen(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { out: { type: 'string' } }, 0);
  const out = stringOption(values.out);
  if (out === undefined) throw new UsageError('keygen needs --out FILE');
  const { kid, publicJwk } = await generateReleaseKey(out).catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') throw new Error(`${out} exists; refusing to overwrite a release key`);
    throw error;
  });
  if (values.json) io.stdout(JSON.stringify({ kid, publicJwk, keyFile: path.resolve(out) }));
  else {
    io.stdout(`release key written to ${out} (mode 0600): keep it out of git, in a secret store`);
    io.stdout(`kid ${kid}`);
    io.stdout(`public JWK for the gateway's policy.releaseKeys: ${JSON.stringify(publicJwk)}`);
  }
  return 0;
}

async function readManifestJson(file: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ReleaseError('release_malformed', `${file} is not a JSON release manifest (${error instanceof Error ? error.message : String(error)}).`);
  }
  const manifest = releaseManifest.safeParse(raw);
  if (!manifest.success) throw new ReleaseError('release_malformed', `${file}: ${describeIssue(manifest.error.issues[0])}.`);
  return manifest.data;
}

async function sign(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { key: { type: 'string' }, artefacts: { type: 'string' }, out: { type: 'string' } }, 1);
  const input = positionals[0]!;
  const manifest = await readManifestJson(input);
  const artefactsDir = stringOption(values.artefacts) ?? path.dirname(input);
  // Signing vouches for the files: a manifest that no longer matches them is refused, not signed.
  checkArtefacts(manifest.artefacts, await measureArtefacts(artefactsDir, manifest.artefacts.map((a) => a.name)));
  const signer = await loadReleaseSigner({ keyFile: stringOption(values.key), env: io.env });
  const jws = await signReleaseManifest(manifest, signer);
  const out = stringOption(values.out) ?? `${input.replace(/\.json$/, '')}.jws`;
  await writeFile(out, `${jws}\n`);
  if (values.json) io.stdout(JSON.stringify({ out: path.resolve(out), kid: signer.kid, buildId: manifest.buildId, artefacts: manifest.artefacts.length }));
  else io.stdout(`signed ${manifest.platform}-${manifest.arch} ${manifest.version} (build ${manifest.buildId}, ${manifest.artefacts.length} artefacts) with key ${signer.kid}: ${out}`);
  return 0;
}

async function verify(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { 'trusted-key': { type: 'string', multiple: true }, artefacts: { type: 'string' } }, 1);
  const input = positionals[0]!;
  const keyFiles = (values['trusted-key'] ?? []) as string[];
  if (keyFiles.length === 0) throw new UsageError('verify needs --trusted-key FILE: a manifest is only as good as the key you trust for it');
  const trusted = [];
  for (const file of keyFiles) trusted.push(...parseTrustedKeys(await readFile(file, 'utf8'), file));
  const { manifest, kid } = await verifyReleaseManifest(await readFile(input, 'utf8'), trusted);
  const artefactsDir = stringOption(values.artefacts) ?? path.dirname(input);
  checkArtefacts(manifest.artefacts, await measureArtefacts(artefactsDir, manifest.artefacts.map((a) => a.name)));
  if (values.json) {
    io.stdout(JSON.stringify({ ok: true, kid, version: manifest.version, buildId: manifest.buildId, platform: manifest.platform, arch: manifest.arch, createdAt: manifest.createdAt, artefacts: manifest.artefacts.length }));
  } else {
    io.stdout(`ok: ${manifest.platform}-${manifest.arch} ${manifest.version}, build ${manifest.buildId}, signed by ${kid}; ${manifest.artefacts.length} artefacts match`);
  }
  return 0;
}
