import { hash } from 'node:crypto';

const TWO_32 = 0x1_0000_0000;
const SPLIT_LIMIT = 1 << 21; // (2^32 % m) * (hi % m) + lo % m stays below 2^53 for m below this

/**
 * Prometheus's hashmod, kept bit-exact for compatibility: md5 of the UTF-8 bytes of the joined source values,
 * the last 8 bytes read as a big-endian uint64, modulo `modulus` (1 .. 2^64-1), in decimal.
 */
export function hashMod(value: string, modulus: bigint): string {
  const hex = hash('md5', value, 'hex');
  const m = Number(modulus);
  if (modulus < BigInt(SPLIT_LIMIT)) {
    const hi = parseInt(hex.slice(16, 24), 16);
    const lo = parseInt(hex.slice(24, 32), 16);
    return String((((hi % m) * (TWO_32 % m)) % m + (lo % m)) % m);
  }
  return (BigInt('0x' + hex.slice(16)) % modulus).toString();
}
