declare module 'snappyjs' {
  /** Snappy block-format compression (pure JavaScript). */
  export function compress<T extends Uint8Array | ArrayBuffer>(data: T): T;
  /** Throws when the data is not a valid snappy block or announces more than maxLength bytes. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(data: T, maxLength?: number): T;
  const snappy: { compress: typeof compress; uncompress: typeof uncompress };
  export default snappy;
}
