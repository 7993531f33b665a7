/**
 * @peculiar/x509 2 loads tsyringe, which throws at import time unless a `Reflect.getMetadata`
 * polyfill is present (it expects `reflect-metadata`, which is not a dependency here). tsyringe only
 * stores and reads plain per-target metadata, so three functions over a WeakMap are enough.
 * Import this module before anything that imports @peculiar/x509 (including protocol/pin/spki.ts).
 */
type MetadataTarget = object;
const store = new WeakMap<MetadataTarget, Map<unknown, unknown>>();

interface ReflectMetadata {
  getMetadata?: (key: unknown, target: MetadataTarget) => unknown;
  getOwnMetadata?: (key: unknown, target: MetadataTarget) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: MetadataTarget) => void;
}

const reflect = Reflect as typeof Reflect & ReflectMetadata;
if (typeof reflect.getMetadata !== 'function') {
  reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  reflect.getMetadata = (key, target) => {
    for (let t: MetadataTarget | null = target; t !== null; t = Object.getPrototypeOf(t) as MetadataTarget | null) {
      const value = store.get(t)?.get(key);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target) => {
    let map = store.get(target);
    if (!map) store.set(target, (map = new Map()));
    map.set(key, value);
  };
}
export {};
