import { webcrypto } from 'node:crypto';
import { publicJwkOf, signerFromCryptoKey, type Es256Signer } from '../../../protocol/jws/signer.js';
import { jsonOrUndefined } from '../json.js';
import type { Keychain, Logger, RandomBytes } from '../ports.js';
import type { TpmKeyRecord } from '../tpm/key-record.js';
import { tpmSigner } from '../tpm/tpm-device.js';
import type { TpmTools } from '../tpm/tpm-tools.js';
import type { CaFiles } from './ca-files.js';
import { devicePrivateJwk, MAX_KEYCHAIN_ENTRY_BYTES, vaultEntry, vaultEntryV1, type DevicePrivateJwk, type EnrollmentRecord } from './record.js';

/** Where the device key is kept: the keychain (private JWK) or a TPM (public part and wrapped blob). */
export type DeviceKeyStorage = 'keychain' | 'tpm';
type StoredKey = DevicePrivateJwk | TpmKeyRecord;

export const KEYCHAIN_SERVICE = 'Airlock';
/** Where the write check puts (and at once deletes) its throwaway secret: never among the enrollments. */
export const KEYCHAIN_PROBE_SERVICE = 'Airlock keychain check';

export interface DeviceIdentity {
  record: EnrollmentRecord;
  /** Signs with the device key; the private key itself never leaves this module (or the TPM). */
  signer: Es256Signer;
  keyStorage: DeviceKeyStorage;
}

export interface NewDeviceKey {
  signer: Es256Signer;
  /** Stores the key and the record in the keychain once the gateway has enrolled the device. */
  save(record: EnrollmentRecord): Promise<DeviceIdentity>;
}

export interface Vault {
  /**
   * Writes and deletes a throwaway secret: fails with `keychain_unavailable` when the keychain cannot
   * store one (a keyring that lists but has no collection to write to), before an invite is spent.
   * Where the keychain asks to be unlocked, that prompt comes here, first.
   */
  assertUsable(): Promise<void>;
  /** The enrolled identity (for `gateway` only, when given), or null when this keychain holds none. */
  load(gateway?: string): Promise<DeviceIdentity | null>;
  /** A fresh ES256 key pair for enrollment, held in memory until `save`. */
  createKey(): Promise<NewDeviceKey>;
  /** A device key made inside the TPM (tpm/tpm-device.ts): only its public part and wrapped blob are stored. */
  adoptTpmKey(key: TpmKeyRecord): NewDeviceKey;
  updateRecord(record: EnrollmentRecord): Promise<void>;
  /** Deletes every entry this keychain holds for the gateway. */
  wipe(gateway: string): Promise<void>;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Imports the stored private key as non-extractable: after this, nothing can read it back. */
async function signerFromJwk(jwk: DevicePrivateJwk): Promise<Es256Signer> {
  const key = await webcrypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d }, EC, false, ['sign']);
  return signerFromCryptoKey(key as CryptoKey, publicJwkOf(jwk));
}

/**
 * The keychain vault: one secret per gateway origin under service `Airlock`, holding the device
 * private key (JWK) and a small enrollment record (under MAX_KEYCHAIN_ENTRY_BYTES). The gateway's
 * CA certificates, public data, are kept in `cas` (the app's data directory). Read back through
 * zod; the key is never written to a file, never logged.
 */
export function createVault(deps: { keychain: Keychain; logger: Logger; cas: CaFiles; random?: RandomBytes; tpm?: TpmTools }): Vault {
  const { keychain, logger, cas } = deps;
  const random = deps.random ?? ((n: number) => webcrypto.getRandomValues(new Uint8Array(n)));

  // Writes reach the keychain in the order they were asked for, each after the last has ended:
  // the first session runs while the enrollment is being saved, and a revocation's wipe must
  // never land before that save (nor a policy update's rewrite after a wipe).
  let writes: Promise<unknown> = Promise.resolve();
  function serial<T>(op: () => Promise<T>): Promise<T> {
    const run = writes.then(op, op);
    writes = run.catch(() => undefined);
    return run;
  }

  async function store(key: StoredKey, record: EnrollmentRecord): Promise<void> {
    const { caPems, ...small } = record;
    const secret = JSON.stringify(vaultEntry.parse({ v: 2, key, record: small }));
    const bytes = Buffer.byteLength(secret, 'utf8');
    if (bytes > MAX_KEYCHAIN_ENTRY_BYTES) throw new Error(`vault: the keychain entry would be ${bytes} bytes (at most ${MAX_KEYCHAIN_ENTRY_BYTES})`);
    // The CAs first: an entry in the keychain always has its CAs on disk (or none, which the transport recovers from).
    await cas.write(record.gateway, caPems);
    await keychain.set(KEYCHAIN_SERVICE, record.gateway, secret);
  }

  async function identityOf(key: StoredKey, record: EnrollmentRecord): Promise<DeviceIdentity> {
    if ('kind' in key) {
      if (deps.tpm === undefined) throw new Error('vault: this enrollment\'s key is in a TPM, and no TPM is configured');
      return { record, signer: tpmSigner(deps.tpm, key), keyStorage: 'tpm' };
    }
    return { record, signer: await signerFromJwk(key), keyStorage: 'keychain' };
  }

  async function readEntry(gateway: string): Promise<{ key: StoredKey; record: EnrollmentRecord } | null> {
    const secret = await keychain.get(KEYCHAIN_SERVICE, gateway);
    if (secret === null) return null;
    const json = secret.length <= 64_000 ? jsonOrUndefined(secret) : undefined;
    const current = vaultEntry.safeParse(json);
    if (current.success) {
      const { key, record } = current.data;
      return { key, record: { ...record, caPems: await cas.read(gateway, record.pins) } };
    }
    const first = vaultEntryV1.safeParse(json);
    if (first.success) {
      // An entry of the first format (CAs inside): moved to the small format, CAs to disk. If the
      // rewrite fails the old entry stays as it was, and is read the same way next time.
      await store(first.data.key, first.data.record).catch((error: unknown) => logger.warn('vault: could not move an enrollment to the small keychain format; keeping it as it is', { error }));
      return first.data;
    }
    logger.warn('vault: a keychain entry is not an Airlock enrollment; ignoring it', { account: gateway });
    return null;
  }

  return {
    async assertUsable() {
      await keychain.list(KEYCHAIN_SERVICE);
      const account = `check-${Buffer.from(random(9)).toString('base64url')}`;
      await keychain.set(KEYCHAIN_PROBE_SERVICE, account, 'Airlock checks that it can store its device key here; this entry is deleted at once.');
      await keychain.delete(KEYCHAIN_PROBE_SERVICE, account);
    },

    async load(gateway) {
      for (const { account } of await keychain.list(KEYCHAIN_SERVICE)) {
        if (gateway !== undefined && account !== gateway) continue;
        const entry = await readEntry(account);
        if (entry === null || entry.record.gateway !== account) continue;
        return identityOf(entry.key, entry.record);
      }
      return null;
    },

    async createKey() {
      const pair = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
      const jwk = devicePrivateJwk.parse(await webcrypto.subtle.exportKey('jwk', pair.privateKey));
      const signer = await signerFromJwk(jwk);
      return {
        signer,
        async save(record) {
          await serial(() => store(jwk, record));
          return { record, signer, keyStorage: 'keychain' };
        },
      };
    },

    adoptTpmKey(key) {
      if (deps.tpm === undefined) throw new Error('vault: no TPM is configured');
      const signer = tpmSigner(deps.tpm, key);
      return {
        signer,
        async save(record) {
          await serial(() => store(key, record));
          return { record, signer, keyStorage: 'tpm' };
        },
      };
    },

    updateRecord(record) {
      return serial(async () => {
        const entry = await readEntry(record.gateway);
        if (entry === null) throw new Error('vault: no enrollment to update');
        await store(entry.key, record);
      });
    },

    wipe(gateway) {
      return serial(async () => {
        for (const { account } of await keychain.list(KEYCHAIN_SERVICE)) {
          if (account === gateway) await keychain.delete(KEYCHAIN_SERVICE, account);
        }
        await keychain.delete(KEYCHAIN_SERVICE, gateway);
        await cas.remove(gateway);
      });
    },
  };
}
