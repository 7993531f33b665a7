/**
 * A bounds-checked reader of TPM 2.0 marshalled bytes (big-endian; TPM2B = 2-byte size, then that
 * many bytes). Every read past the end, and every trailing byte left by `end()`, is a `TpmParseError`:
 * a parser built on it never reads outside its input.
 */
export class TpmParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TpmParseError';
  }
}

export class TpmReader {
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    /** What is being read, for the error message ("TPM2B_PUBLIC", ...). */
    private readonly what: string,
  ) {}

  private take(n: number, field: string): Uint8Array {
    if (this.offset + n > this.bytes.length) throw new TpmParseError(`${this.what}: ${field} runs past the end (${this.bytes.length} bytes)`);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  u8(field: string): number {
    return this.take(1, field)[0]!;
  }

  u16(field: string): number {
    const b = this.take(2, field);
    return (b[0]! << 8) | b[1]!;
  }

  u32(field: string): number {
    const b = this.take(4, field);
    return ((b[0]! << 24) >>> 0) + ((b[1]! << 16) | (b[2]! << 8) | b[3]!);
  }

  /** A 64-bit value as a bigint (clock, firmware version). */
  u64(field: string): bigint {
    const hi = this.u32(field);
    const lo = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  bytesOf(n: number, field: string): Uint8Array {
    return this.take(n, field);
  }

  /** A TPM2B: its size, at most `max`, then its bytes. */
  sized(field: string, max: number): Uint8Array {
    const size = this.u16(`${field} size`);
    if (size > max) throw new TpmParseError(`${this.what}: ${field} is ${size} bytes, more than ${max}`);
    return this.take(size, field);
  }

  get position(): number {
    return this.offset;
  }

  /** Refuses trailing bytes: a structure is exactly its marshalled form. */
  end(): void {
    if (this.offset !== this.bytes.length) throw new TpmParseError(`${this.what}: ${this.bytes.length - this.offset} trailing bytes`);
  }
}
