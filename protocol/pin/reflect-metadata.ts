/**
 * @peculiar/x509 2 loads tsyringe, which throws at import time ("tsyringe requires a reflect
 * polyfill") unless `Reflect.getMetadata` exists; the `reflect-metadata` package is not a dependency.
 * tsyringe only stores and reads per-target metadata, so a WeakMap-backed stand-in is enough. It is
 * installed only when no polyfill is present, and spki.ts imports it before @peculiar/x509 so that
 * importing protocol/ never depends on what the caller loaded first.
 */
type Target = object;

interface ReflectMetadata {
  getMetadata?: (key: unknown, target: Target) => unknown;
  getOwnMetadata?: (key: unknown, target: Target) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: Target) => void;
  hasMetadata?: (key: unknown, target: Target) => boolean;
}

const reflect = Reflect as typeof Reflect & ReflectMetadata;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<Target, Map<unknown, unknown>>();
  const lookup = (key: unknown, target: Target): unknown => {
    for (let t: Target | null = target; t !== null; t = Object.getPrototypeOf(t) as Target | null) {
      const own = store.get(t);
      if (own?.has(key)) return own.get(key);
    }
    return undefined;
  };
  reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  reflect.getMetadata = lookup;
  reflect.hasMetadata = (key, target) => lookup(key, target) !== undefined;
  reflect.defineMetadata = (key, value, target) => {
    let own = store.get(target);
    if (own === undefined) store.set(target, (own = new Map()));
    own.set(key, value);
  };
}

export {};
