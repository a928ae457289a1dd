/**
 * Text for blob metadata (rejected/ records: the receiver's response, why a message was undecodable).
 * S3 user metadata travels as HTTP headers, so values must be US-ASCII, and all of it must fit in 2 KB.
 * The text is kept readable, as the inside of a JSON string: printable ASCII as is, and only `"`, `\`,
 * control characters and non-ASCII escaped (`\n`, `\"`, `\\`, `\u00e9`); cut to at most maxBytes without
 * splitting an escape. `JSON.parse('"' + value + '"')` gives the text back.
 */
export function metadataText(text: string, maxBytes: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const piece = c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c ? text[i]! : escape(c);
    if (out.length + piece.length > maxBytes) break;
    out += piece;
  }
  return out;
}

function escape(c: number): string {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    default:
      return `\\u${c.toString(16).padStart(4, '0')}`;
  }
}
