import protobuf from 'protobufjs';

/**
 * Forward-compatibility fixtures for the hand-written protobuf decoders: unknown fields appended to a message
 * and to every sub-message in it, found through a protobufjs descriptor (so strings and bytes are never
 * mistaken for messages).
 */
/** `body`, a message of `type`, with `junk` appended to it and to every sub-message in it (found through the descriptor). */
export function withUnknownFields(body: Uint8Array, type: protobuf.Type, junk: Uint8Array): Uint8Array {
  const r = protobuf.Reader.create(body);
  const w = protobuf.Writer.create();
  while (r.pos < r.len) {
    const tag = r.uint32();
    w.uint32(tag);
    const wire = tag & 7;
    if (wire === 0) w.uint64(r.uint64());
    else if (wire === 1) w.fixed64(r.fixed64());
    else if (wire === 5) w.fixed32(r.fixed32());
    else {
      const inner = r.bytes();
      const sub = type.fieldsById[tag >>> 3]?.resolvedType;
      w.bytes(sub instanceof protobuf.Type ? withUnknownFields(inner, sub, junk) : inner);
    }
  }
  return Uint8Array.from([...w.finish(), ...junk]);
}

/** Unknown fields (numbers 1000+) of every wire type, a group with nested content included. */
export const JUNK: Uint8Array = (() => {
  const w = protobuf.Writer.create();
  w.uint32((1000 << 3) | 0).uint64('18446744073709551615');
  w.uint32((1001 << 3) | 1).fixed64(7);
  w.uint32((1002 << 3) | 2).bytes(Uint8Array.from([0xff, 0x00, 0x80]));
  w.uint32((1003 << 3) | 3).uint32((1 << 3) | 0).uint32(1).uint32((2 << 3) | 2).string('x').uint32((1003 << 3) | 4);
  w.uint32((1004 << 3) | 5).fixed32(9);
  return w.finish();
})();

