/**
 * A scanner shared by the series notation (`name{a="1"}`, text-format escapes) and the `if:` series selectors
 * (`name{a=~"x", b!="y"}`, PromQL string escapes). Errors are NotationError with a 0-based position.
 */
export class NotationError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'NotationError';
    this.position = position;
  }
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

export class Scanner {
  readonly text: string;
  pos = 0;
  constructor(text: string) {
    this.text = text;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /[ \t\r\n]/.test(this.text[this.pos]!)) this.pos++;
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
  eat(s: string): boolean {
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }
  expect(s: string, what: string): void {
    if (!this.eat(s)) throw this.error(`expected ${what}`);
  }
  error(message: string): NotationError {
    const c = this.peek();
    const found = c === undefined ? 'end of input' : JSON.stringify(c);
    return new NotationError(`${message}, found ${found}`, this.pos);
  }

  /** A metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`), or undefined when none starts here. */
  metricName(): string | undefined {
    return this.ident(NAME_START, NAME_CHAR);
  }
  /** A label name (`[a-zA-Z_][a-zA-Z0-9_]*`), or undefined. */
  labelName(): string | undefined {
    return this.ident(LABEL_START, LABEL_CHAR);
  }
  private ident(start: RegExp, rest: RegExp): string | undefined {
    const t = this.text;
    if (this.pos >= t.length || !start.test(t[this.pos]!)) return undefined;
    const from = this.pos++;
    while (this.pos < t.length && rest.test(t[this.pos]!)) this.pos++;
    return t.slice(from, this.pos);
  }

  /** A double-quoted string with the text format's escapes only (`\\`, `\"`, `\n`). */
  textString(): string {
    const at = this.pos;
    if (!this.eat('"')) throw this.error('expected "');
    const t = this.text;
    let out = '';
    let from = this.pos;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === '"') {
        out += t.slice(from, this.pos++);
        return out;
      }
      if (c === '\\') {
        out += t.slice(from, this.pos);
        const e = t[this.pos + 1];
        if (e === '\\' || e === '"') out += e;
        else if (e === 'n') out += '\n';
        else throw new NotationError(`invalid escape sequence "\\${e ?? ''}"`, this.pos);
        this.pos += 2;
        from = this.pos;
        continue;
      }
      this.pos++;
    }
    throw new NotationError('unterminated string', at);
  }

  /** A PromQL string: "..." or '...' with Go escapes, or `...` raw. */
  promqlString(): string {
    const at = this.pos;
    const q = this.peek();
    if (q !== '"' && q !== "'" && q !== '`') throw this.error('expected a quoted string');
    this.pos++;
    const t = this.text;
    if (q === '`') {
      const end = t.indexOf('`', this.pos);
      if (end < 0) throw new NotationError('unterminated string', at);
      const s = t.slice(this.pos, end);
      this.pos = end + 1;
      return s;
    }
    let out = '';
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === q) {
        this.pos++;
        return out;
      }
      if (c === '\n') break;
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      out += this.goEscape(q);
    }
    throw new NotationError('unterminated string', at);
  }

  private goEscape(quote: string): string {
    const t = this.text;
    const at = this.pos;
    const e = t[this.pos + 1];
    this.pos += 2;
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
    if (e !== undefined && simple[e] !== undefined) return simple[e];
    if (e === quote) return e;
    const hex = (n: number): number => {
      const h = t.slice(this.pos, this.pos + n);
      if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw new NotationError('invalid escape sequence', at);
      this.pos += n;
      return parseInt(h, 16);
    };
    if (e === 'x') return String.fromCharCode(hex(2));
    if (e === 'u' || e === 'U') {
      const cp = hex(e === 'u' ? 4 : 8);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new NotationError('invalid escape sequence', at);
      return String.fromCodePoint(cp);
    }
    if (e !== undefined && e >= '0' && e <= '7') {
      const o = t.slice(this.pos - 1, this.pos + 2);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) throw new NotationError('invalid escape sequence', at);
      this.pos += 2;
      return String.fromCharCode(parseInt(o, 8));
    }
    throw new NotationError(`invalid escape sequence "\\${e ?? ''}"`, at);
  }
}
