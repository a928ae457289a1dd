import { parse, parseDocument } from 'yaml';

/**
 * gateway.yaml text with the jobs of its scrape_config_files appended to scrape_configs and the list removed,
 * for deployments that ship gateway.yaml alone (the Lambda bundle). Expects a config that already validated
 * with the same reader; comments and layout of the main file are kept.
 */
export function inlineScrapeConfigFiles(text: string, readFile: (path: string) => string): string {
  const doc = parseDocument(text);
  const files = doc.get('scrape_config_files');
  if (files === undefined || files === null) return text;
  const list = (doc.toJS() as { scrape_config_files?: string[] }).scrape_config_files ?? [];
  const jobs: unknown[] = [];
  for (const f of list) jobs.push(...(((parse(readFile(f)) as { scrape_configs?: unknown[] } | null)?.scrape_configs) ?? []));
  const existing = (doc.toJS() as { scrape_configs?: unknown[] }).scrape_configs ?? [];
  doc.set('scrape_configs', doc.createNode([...existing, ...jobs]));
  doc.delete('scrape_config_files');
  return doc.toString();
}
