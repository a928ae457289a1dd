import { excerpt } from '../../errors.ts';
import { sortLabels } from '../../model/labels.ts';
import type { Label } from '../../model/types.ts';
import { CH_BACKSLASH, CH_COMMA, CH_EQUALS, CH_LOWER_N, CH_QUOTE, CH_RBRACE, CLASS, isBlank, LABEL_CHAR, LABEL_START } from './lexical.ts';

/** Longest excerpt of a token quoted inside a reason. */
export const TOKEN_EXCERPT_BYTES = 64;

/**
 * Reads `{name="value",...}` label sets of the exposition formats from one string (sample lines and
 * OpenMetrics exemplars): names checked, values unescaped (`\\` `\"` `\n`; any other backslash pair is kept
 * as written, as Prometheus does), a trailing comma accepted. The cursor `p` is shared with the caller.
 */
export class LabelSetScanner {
  readonly s: string;
  /** Cursor shared by the label scanner and its caller. */
  p = 0;
  /** Set by labelSet: the names came in strictly ascending order and no value was empty. */
  canonicalLabels = true;

  constructor(s: string) {
    this.s = s;
  }

  /** Label pairs after `{` (this.p) up to and including `}`; leaves this.p after the `}`. Returns why the set is invalid, or undefined. */
  labelSet(labels: Label[], end: number): string | undefined {
    const s = this.s;
    let p = this.p;
    this.canonicalLabels = true;
    for (;;) {
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p >= end) return 'missing "}" at the end of the label set';
      let c = s.charCodeAt(p);
      if (c === CH_RBRACE) break;
      if (!(c < 128 && CLASS[c]! & LABEL_START)) {
        return c === CH_QUOTE ? 'quoted names are not supported' : `invalid label name ${this.token(p, end)}`;
      }
      const nameStart = p++;
      while (p < end && (c = s.charCodeAt(p)) < 128 && CLASS[c]! & LABEL_CHAR) p++;
      const name = s.slice(nameStart, p);
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p >= end || s.charCodeAt(p) !== CH_EQUALS) return `expected "=" after label name "${name}"`;
      p++;
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p >= end || s.charCodeAt(p) !== CH_QUOTE) return `expected a quoted value for label "${name}"`;
      const valueStart = ++p;
      while (p < end && (c = s.charCodeAt(p)) !== CH_QUOTE && c !== CH_BACKSLASH) p++;
      let value: string;
      if (p < end && c === CH_QUOTE) {
        value = s.slice(valueStart, p++);
      } else {
        this.p = p;
        const v = this.escapedValue(valueStart, end);
        if (v === undefined) return `missing closing quote for the value of label "${name}"`;
        value = v;
        p = this.p;
      }
      if (value === '' || (labels.length > 1 && !(labels[labels.length - 1]!.name < name))) this.canonicalLabels = false;
      labels.push({ name, value });
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p < end && s.charCodeAt(p) === CH_COMMA) {
        p++;
        continue;
      }
      if (p < end && s.charCodeAt(p) === CH_RBRACE) break;
      return `expected "," or "}" after the value of label "${name}"`;
    }
    this.p = p + 1;
    return undefined;
  }

  /** Slow path of a label value holding backslashes: this.p is at the first backslash. */
  private escapedValue(valueStart: number, end: number): string | undefined {
    const s = this.s;
    let p = this.p;
    let out = s.slice(valueStart, p);
    while (p < end) {
      const c = s.charCodeAt(p);
      if (c === CH_QUOTE) {
        this.p = p + 1;
        return out;
      }
      if (c === CH_BACKSLASH) {
        if (p + 1 >= end) return undefined;
        const e = s.charCodeAt(p + 1);
        out += e === CH_BACKSLASH ? '\\' : e === CH_QUOTE ? '"' : e === CH_LOWER_N ? '\n' : '\\' + s[p + 1];
        p += 2;
        continue;
      }
      const chunk = p;
      while (p < end && s.charCodeAt(p) !== CH_QUOTE && s.charCodeAt(p) !== CH_BACKSLASH) p++;
      out += s.slice(chunk, p);
    }
    return undefined;
  }

  /** The token at p (up to the next blank), quoted and cut for a reason. */
  token(p: number, end: number): string {
    let q = p;
    while (q < end && !isBlank(this.s.charCodeAt(q))) q++;
    return excerpt(this.s.slice(p, Math.min(q, p + TOKEN_EXCERPT_BYTES + 1)), TOKEN_EXCERPT_BYTES);
  }
}

/**
 * Sorts the labels in place and says why the set is invalid (a repeated name), or undefined. Run it before
 * empty values are dropped, so that `a="",a="1"` is caught too.
 */
export function checkLabelNames(labels: Label[]): string | undefined {
  sortLabels(labels);
  for (let i = 1; i < labels.length; i++) {
    if (labels[i - 1]!.name === labels[i]!.name) return `duplicate label name "${labels[i]!.name}"`;
  }
  return undefined;
}
