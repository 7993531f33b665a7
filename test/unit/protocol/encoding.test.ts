import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  b64Decode,
  b64Encode,
  b64uDecode,
  b64uEncode,
  concatBytes,
  fromUtf8,
  isB64u,
  sha256,
  sha256B64u,
  timingSafeEqualString,
  utf8,
} from '../../../protocol/encoding.js';
import { random } from './support.js';

describe('base64url without padding', () => {
  it('matches Node for every length 0..64 and round-trips', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = random(n);
      const encoded = b64uEncode(bytes);
      expect(encoded).toBe(Buffer.from(bytes).toString('base64url'));
      expect(encoded).not.toMatch(/[=+/]/);
      expect(b64uDecode(encoded)).toEqual(bytes);
    }
  });

  it('encodes RFC 4648 §10 test vectors (base64url form)', () => {
    const cases: [string, string][] = [['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy']];
    for (const [text, encoded] of cases) {
      expect(b64uEncode(utf8(text))).toBe(encoded);
      expect(fromUtf8(b64uDecode(encoded))).toBe(text);
    }
    expect(b64uEncode(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });

  it('refuses padding, standard-alphabet characters, whitespace and impossible lengths', () => {
    for (const bad of ['Zg==', 'a+b/', 'ab cd', 'abcde', 'Zm9v\n', '%%']) {
      expect(isB64u(bad), bad).toBe(false);
      expect(() => b64uDecode(bad), bad).toThrow(TypeError);
    }
    expect(isB64u('')).toBe(true);
  });
});

describe('standard base64 (SPKI pins)', () => {
  it('matches Node and round-trips', () => {
    const bytes = random(32);
    expect(b64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect(b64Decode(b64Encode(bytes))).toEqual(bytes);
  });
});

describe('UTF-8', () => {
  it('round-trips text and refuses invalid byte sequences', () => {
    expect(fromUtf8(utf8('Grüße, 世界 🔑'))).toBe('Grüße, 世界 🔑');
    expect(() => fromUtf8(new Uint8Array([0xc3, 0x28]))).toThrow();
  });
});

describe('SHA-256 (WebCrypto)', () => {
  it('gives the FIPS 180-2 "abc" digest', async () => {
    expect(Buffer.from(await sha256('abc')).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256B64u('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('agrees with node:crypto on bytes and strings', async () => {
    const bytes = random(100);
    expect(Buffer.from(await sha256(bytes))).toEqual(createHash('sha256').update(bytes).digest());
    expect(await sha256B64u('héllo')).toBe(createHash('sha256').update('héllo', 'utf8').digest('base64url'));
  });
});

describe('helpers', () => {
  it('concatenates byte arrays in order', () => {
    expect(concatBytes(new Uint8Array([1]), new Uint8Array([]), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('compares strings for equality', () => {
    expect(timingSafeEqualString('abc', 'abc')).toBe(true);
    expect(timingSafeEqualString('abc', 'abd')).toBe(false);
    expect(timingSafeEqualString('abc', 'abcd')).toBe(false);
    expect(timingSafeEqualString('', '')).toBe(true);
  });
});
