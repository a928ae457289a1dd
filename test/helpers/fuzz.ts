import fc from 'fast-check';

/**
 * Bodies made from a valid one by up to 8 byte overwrites or insertions: close enough to the format to reach
 * deep parser paths, broken enough to exercise every error path.
 */
export function mutatedBytes(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 8 }).map((muts) => {
    const b = Array.from(base);
    for (const [pos, byte, insert] of muts) {
      if (insert) b.splice(pos % (b.length + 1), 0, byte);
      else b[pos % b.length] = byte;
    }
    return Uint8Array.from(b);
  });
}
