import { excerpt } from '../../errors.ts';
import type { MetricMetadata } from '../../model/types.ts';
import { CLASS, isBlank, keywordAt, KEYWORDS, KW_EOF, KW_HELP, KW_NONE, KW_TYPE, METRIC_CHAR, METRIC_START, metricTypeAt, unescapeHelp } from './lexical.ts';
import { TOKEN_EXCERPT_BYTES } from './label-set.ts';

/** What the comment reader is asked to do (see ExpositionOptions). */
export interface CommentOptions {
  om: boolean;
  collectMetadata: boolean;
  collectTypes: boolean;
  dropCreated: boolean;
}

/**
 * The comment lines of an exposition body: `# EOF` (OpenMetrics) ends it; HELP, TYPE and UNIT are checked and
 * collected into per-family metadata when collectMetadata is set; otherwise comments are ignored, as
 * VictoriaMetrics does (a TYPE line is still read when dropCreated or collectTypes needs the family type).
 */
export class CommentReader {
  private readonly s: string;
  private readonly opts: CommentOptions;
  readonly metadata = new Map<string, MetricMetadata>();
  /** `<family>_created` of the last TYPE line when it names a counter, summary or histogram; else ''. */
  createdName = '';
  sawEof = false;
  private lastFamily: MetricMetadata | undefined = undefined;

  constructor(s: string, opts: CommentOptions) {
    this.s = s;
    this.opts = opts;
  }

  /** A comment line starting with `#` at p. Returns why it is invalid, or undefined. */
  comment(p: number, end: number): string | undefined {
    const s = this.s;
    const { om, collectMetadata, collectTypes, dropCreated } = this.opts;
    p++;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    const kw = keywordAt(s, p, end);
    if (kw === KW_NONE) return undefined;
    if (kw === KW_EOF) {
      if (om && p + 3 === end) this.sawEof = true;
      return undefined;
    }
    if (!collectMetadata && !(kw === KW_TYPE && (dropCreated || collectTypes))) return undefined;
    p += 4;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    const nameStart = p;
    let c = 0;
    while (p < end && (c = s.charCodeAt(p)) < 128 && CLASS[c]! & METRIC_CHAR) p++;
    if (p === nameStart || !(CLASS[s.charCodeAt(nameStart)]! & METRIC_START) || (p < end && !isBlank(c))) {
      return `invalid metric name in ${KEYWORDS[kw]} line`;
    }
    const nameEnd = p;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    if (kw === KW_TYPE) {
      const type = metricTypeAt(s, p, end);
      if (type === undefined) return `invalid metric type ${excerpt(s.slice(p, end), TOKEN_EXCERPT_BYTES)}`;
      if (dropCreated) {
        const ct = type === 'COUNTER' || type === 'SUMMARY' || type === 'HISTOGRAM';
        this.createdName = ct ? s.slice(nameStart, nameEnd) + '_created' : '';
      }
      if (collectTypes) this.familyAt(nameStart, nameEnd).type = type;
    } else if (kw === KW_HELP) {
      const text = s.slice(p, end);
      this.familyAt(nameStart, nameEnd).help = text.includes('\\') ? unescapeHelp(text, om) : text;
    } else {
      this.familyAt(nameStart, nameEnd).unit = s.slice(p, end);
    }
    return undefined;
  }

  /** The metadata entry of the family named s[start, end), created on first mention. */
  private familyAt(start: number, end: number): MetricMetadata {
    const last = this.lastFamily;
    // HELP and TYPE of one family are usually adjacent: skip the slice and the map lookup.
    if (last !== undefined && last.metricFamilyName.length === end - start && this.s.startsWith(last.metricFamilyName, start)) {
      return last;
    }
    const name = this.s.slice(start, end);
    let meta = this.metadata.get(name);
    if (meta === undefined) {
      meta = { type: 'UNKNOWN', metricFamilyName: name, help: '', unit: '' };
      this.metadata.set(name, meta);
    }
    this.lastFamily = meta;
    return meta;
  }
}
