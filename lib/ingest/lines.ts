import { excerpt } from '../errors.ts';
import type { LineError } from './types.ts';

const CR = 13;

/**
 * Calls `fn(start, end, line)` for every non-empty line of a line-based body: `end` excludes the `\n` and
 * a `\r` before it (CRLF bodies), `line` is 1-based and counts empty lines too, so error messages point at
 * the line a person sees in their editor.
 */
export function forEachLine(text: string, fn: (start: number, end: number, line: number) => void): void {
  let line = 0;
  let start = 0;
  const n = text.length;
  while (start < n) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = n;
    line++;
    let end = nl;
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    if (end > start) fn(start, end, line);
    start = nl + 1;
  }
}

/** The reason a line of `end - start` characters is refused under `ingest.max_line_length`, else undefined. */
export function lineTooLong(start: number, end: number, maxLineLength: number | undefined): string | undefined {
  return maxLineLength !== undefined && end - start > maxLineLength ? `line of ${end - start} characters exceeds max_line_length=${maxLineLength}` : undefined;
}

/** A LineError quoting at most ~200 bytes of the offending line. */
export function lineError(text: string, start: number, end: number, line: number, reason: string): LineError {
  return { line, reason, excerpt: excerpt(text.slice(start, Math.min(end, start + 400))) };
}

/**
 * The first index of the character `code` in `text[from, end)`, or -1. Unlike `text.indexOf`, it never looks
 * past `end`: a line without the character must not cost a scan of the rest of the body (that made a body of
 * comma-less CSV lines quadratic, issue 12).
 */
export function indexOfIn(text: string, code: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === code) return i;
  return -1;
}

const NL = 10;

/**
 * forEachLine over a body's UTF-8 bytes from `from` (past a byte order mark the caller skipped): the same lines
 * at byte positions. A `\n` byte is only ever a newline in UTF-8, so the lines and their numbers are the
 * decoded text's.
 */
export function forEachByteLine(body: Uint8Array, from: number, fn: (start: number, end: number, line: number) => void): void {
  let line = 0;
  let start = from;
  const n = body.length;
  while (start < n) {
    let nl = body.indexOf(NL, start);
    if (nl < 0) nl = n;
    line++;
    let end = nl;
    if (end > start && body[end - 1] === CR) end--;
    if (end > start) fn(start, end, line);
    start = nl + 1;
  }
}

const utf8Slice = (Buffer.prototype as unknown as { utf8Slice(this: Uint8Array, from: number, to: number): string }).utf8Slice;

/** body[start, end) decoded as UTF-8, invalid sequences replaced by U+FFFD as TextDecoder replaces them. */
export function utf8Text(body: Uint8Array, start: number, end: number): string {
  return utf8Slice.call(body, start, end);
}
