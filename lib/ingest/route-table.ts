import type { Protocol } from './protocol.ts';

/**
 * The Markdown table of every push route, one row per declared route, in list order: what docs/formats.md
 * shows between its `routes` markers (test/unit/ingest/routes.test.ts keeps the two equal).
 */
export function renderRouteTable(protocols: readonly Protocol[]): string {
  const rows = ['| protocol | paths | methods |', '|---|---|---|'];
  for (const p of protocols) {
    for (const spec of Object.values(p.routes)) {
      const paths = spec.paths.map((x) => `\`${x}\``).join(', ');
      rows.push(`| ${p.name} | ${paths} | ${spec.methods.join(', ')}${spec.defaultEncoding ? ` (no Content-Encoding: ${spec.defaultEncoding})` : ''} |`);
    }
  }
  return rows.join('\n');
}
