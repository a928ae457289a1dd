/**
 * Go's strings.ToLower / strings.ToUpper, which map each code point with Unicode's simple case mapping
 * (JavaScript's toLowerCase/toUpperCase use the full mapping: `ß` -> `SS`, `İ` -> `i̇`, and a context-dependent
 * final sigma). Kept for compatibility with Prometheus's lowercase/uppercase actions.
 */

const ASCII = /^[\x00-\x7f]*$/;

/** Simple uppercase mappings of the code points whose full uppercase mapping is several code points. */
function simpleUpperOfSpecial(cp: number): number {
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) return cp + 8;
  if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) return cp + 9;
  return cp;
}

function mapEach(s: string, f: (ch: string, cp: number) => string): string {
  let out = '';
  for (const ch of s) out += f(ch, ch.codePointAt(0)!);
  return out;
}

export function goToLower(s: string): string {
  if (ASCII.test(s)) return s.toLowerCase();
  return mapEach(s, (ch, cp) => {
    const l = ch.toLowerCase();
    if ([...l].length === 1) return l;
    return cp === 0x130 ? 'i' : ch;
  });
}

export function goToUpper(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase();
  return mapEach(s, (ch, cp) => {
    const u = ch.toUpperCase();
    if ([...u].length === 1) return u;
    return String.fromCodePoint(simpleUpperOfSpecial(cp));
  });
}
