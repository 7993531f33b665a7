import { webcrypto } from 'node:crypto';
import { publicJwkOf, signerFromCryptoKey, type Es256Signer } from '../../../protocol/jws/signer.js';
import { jsonOrUndefined } from '../json.js';
import type { Keychain, Logger } from '../ports.js';
import { devicePrivateJwk, vaultEntry, type DevicePrivateJwk, type EnrollmentRecord } from './record.js';

export const KEYCHAIN_SERVICE = 'Airlock';

export interface DeviceIdentity {
  record: EnrollmentRecord;
  /** Signs with the device key; the private key itself never leaves this module. */
  signer: Es256Signer;
}

export interface NewDeviceKey {
  signer: Es256Signer;
  /** Stores the key and the record in the keychain once the gateway has enrolled the device. */
  save(record: EnrollmentRecord): Promise<DeviceIdentity>;
}

export interface Vault {
  /** Fails with `keychain_unavailable` when the keychain cannot be used, before an invite is spent. */
  assertUsable(): Promise<void>;
  /** The enrolled identity (for `gateway` only, when given), or null when this keychain holds none. */
  load(gateway?: string): Promise<DeviceIdentity | null>;
  /** A fresh ES256 key pair for enrollment, held in memory until `save`. */
  createKey(): Promise<NewDeviceKey>;
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
 * private key (JWK) and the enrollment record. Read back through zod; never written to a file,
 * never logged.
 */
export function createVault(deps: { keychain: Keychain; logger: Logger }): Vault {
  const { keychain, logger } = deps;

  // Writes reach the keychain in the order they were asked for, each after the last has ended:
  // the first session runs while the enrollment is being saved, and a revocation's wipe must
  // never land before that save (nor a policy update's rewrite after a wipe).
  let writes: Promise<unknown> = Promise.resolve();
  function serial<T>(op: () => Promise<T>): Promise<T> {
    const run = writes.then(op, op);
    writes = run.catch(() => undefined);
    return run;
  }

  async function store(jwk: DevicePrivateJwk, record: EnrollmentRecord): Promise<void> {
    const entry = vaultEntry.parse({ v: 1, key: jwk, record });
    await keychain.set(KEYCHAIN_SERVICE, record.gateway, JSON.stringify(entry));
  }

  async function readEntry(gateway: string): Promise<{ key: DevicePrivateJwk; record: EnrollmentRecord } | null> {
    const secret = await keychain.get(KEYCHAIN_SERVICE, gateway);
    if (secret === null) return null;
    const parsed = vaultEntry.safeParse(jsonOrUndefined(secret));
    if (!parsed.success) {
      logger.warn('vault: a keychain entry is not an Airlock enrollment; ignoring it', { account: gateway });
      return null;
    }
    return parsed.data;
  }

  return {
    async assertUsable() {
      await keychain.list(KEYCHAIN_SERVICE);
    },

    async load(gateway) {
      for (const { account } of await keychain.list(KEYCHAIN_SERVICE)) {
        if (gateway !== undefined && account !== gateway) continue;
        const entry = await readEntry(account);
        if (entry === null || entry.record.gateway !== account) continue;
        return { record: entry.record, signer: await signerFromJwk(entry.key) };
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
          return { record, signer };
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
      });
    },
  };
}
