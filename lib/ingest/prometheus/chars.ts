/**
 * Character codes the Prometheus exposition scanners and the Go float parser compare against (named so a
 * reader need not know ASCII by heart). Re-exported by lexical.ts; a module of its own so go-float.ts, which
 * lexical.ts imports, can use them without an import cycle.
 */
export const CH_TAB = 9;
export const CH_LF = 10;
export const CH_CR = 13;
export const CH_SPACE = 32;
export const CH_QUOTE = 34;
export const CH_HASH = 35;
export const CH_PLUS = 43;
export const CH_COMMA = 44;
export const CH_MINUS = 45;
export const CH_ZERO = 48;
export const CH_NINE = 57;
export const CH_COLON = 58;
export const CH_EQUALS = 61;
export const CH_UPPER_A = 65;
export const CH_UPPER_Z = 90;
export const CH_BACKSLASH = 92;
export const CH_UNDERSCORE = 95;
export const CH_LOWER_A = 97;
export const CH_LOWER_N = 110;
export const CH_LOWER_Z = 122;
export const CH_LBRACE = 123;
export const CH_RBRACE = 125;

export const CH_DOT = 46;
export const CH_UPPER_F = 70;
export const CH_LOWER_E = 101;
export const CH_LOWER_F = 102;
export const CH_LOWER_I = 105;
export const CH_LOWER_P = 112;
export const CH_LOWER_X = 120;
/** OR-ing an ASCII letter with this gives its lower case. */
export const ASCII_LOWER_BIT = 0x20;
