/** A parsed Content-Type: lower-cased type/subtype and parameters (names lower-cased, values unquoted). */
export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** Parses a Content-Type header leniently (RFC 9110 shape); undefined when absent or empty. */
export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (header === undefined) return undefined;
  const parts = header.split(';');
  const type = parts[0]!.trim().toLowerCase();
  if (type === '') return undefined;
  const params: Record<string, string> = {};
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name !== '') params[name] = value;
  }
  return { type, params };
}

/** True for `application/openmetrics-text` (any version); anything else is read as text 0.0.4. */
export function isOpenMetricsContentType(header: string | undefined): boolean {
  return parseMediaType(header)?.type === 'application/openmetrics-text';
}
