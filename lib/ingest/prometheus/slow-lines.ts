/**
 * The lines of a byte body that byte-lines.ts does not read itself, read by the ordinary scanner (scanner.ts)
 * over the body decoded once, when first needed. The decoded string has the same lines as the bytes (UTF-8
 * decoding neither makes nor swallows a line feed; a leading byte order mark is dropped from the first line),
 * so line k of the string is found by counting line feeds from the last line read.
 */
import type { LineError } from '../types.ts';
import type { ExpositionScanner } from './scanner.ts';

const utf8 = new TextDecoder('utf-8');

export class SlowLines {
  private readonly s: string;
  private readonly scanner: ExpositionScanner;
  /** The line read next and where it starts in s. */
  private next = 1;
  private pos = 0;

  /** `scannerFor(s)`: the ordinary scanner over the decoded body (writing into the byte path's batch). */
  constructor(b: Uint8Array, scannerFor: (s: string) => ExpositionScanner) {
    this.s = utf8.decode(b);
    this.scanner = scannerFor(this.s);
  }

  /** Line number `line` (after every line read so far) by the scanner; returns the distinct proof as it leaves it (given `distinct` before). */
  line(line: number, distinct: boolean): boolean {
    const s = this.s;
    let pos = this.pos;
    for (let k = this.next; k < line; k++) {
      const q = s.indexOf('\n', pos);
      pos = q < 0 ? s.length : q + 1;
    }
    let end = s.indexOf('\n', pos);
    if (end < 0) end = s.length;
    this.scanner.distinct = distinct;
    this.scanner.line(line, pos, end);
    this.next = line + 1;
    this.pos = end + 1;
    return this.scanner.distinct;
  }

  /** The bad lines, as the scanner reported them. */
  errors(): { errors: LineError[]; errorCount: number } {
    return this.scanner.errors.result();
  }
}
