import { createHmac } from 'node:crypto';

/**
 * KDFa with SHA-256 (TPM 2.0 part 1, 11.4.10.2; SP 800-108 counter mode with HMAC): blocks of
 * HMAC(key, counter ‖ label ‖ 0x00 ‖ contextU ‖ contextV ‖ bits), counter from 1, all 32-bit
 * big-endian, concatenated and cut to `bits`.
 */
export function kdfaSha256(key: Uint8Array, label: string, contextU: Uint8Array, contextV: Uint8Array, bits: number): Buffer {
  if (bits <= 0 || bits % 8 !== 0) throw new RangeError('KDFa: bits must be a positive multiple of 8');
  const bytes = bits / 8;
  const labelBytes = Buffer.concat([Buffer.from(label, 'latin1'), Buffer.from([0])]);
  const bitsBytes = Buffer.alloc(4);
  bitsBytes.writeUInt32BE(bits);
  const blocks: Buffer[] = [];
  for (let counter = 1, have = 0; have < bytes; counter++) {
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    const block = createHmac('sha256', key).update(counterBytes).update(labelBytes).update(contextU).update(contextV).update(bitsBytes).digest();
    blocks.push(block);
    have += block.length;
  }
  return Buffer.concat(blocks).subarray(0, bytes);
}
