import { BlockList, isIP } from 'node:net';

/**
 * Which proxy a scrape goes through: `proxy_url` (+ `no_proxy`) or `proxy_from_environment` (HTTP_PROXY,
 * HTTPS_PROXY, NO_PROXY and their lower-case forms, read once when the client is built), as Prometheus'
 * ProxyConfig does it with Go's httpproxy rules.
 */
export type ScrapeProxy = { url: string; noProxy: string } | { fromEnvironment: true };

/**
 * Go's golang.org/x/net/http/httpproxy rules for a host that must not be proxied: `*` matches every host;
 * an IP or a CIDR matches the target's IP; `.example.com` (or `*.example.com`) matches its subdomains;
 * `example.com` matches itself and its subdomains; an entry with `:port` matches that port only.
 * `localhost` and loopback addresses are never proxied (httpproxy's rule whenever no_proxy or the environment
 * is in play). Returns a predicate over a target URL.
 */
export function noProxyMatcher(noProxy: string): (url: URL) => boolean {
  const entries = noProxy.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (entries.includes('*')) return () => true;
  const ips = new BlockList();
  const hosts: { name: string; suffixOnly: boolean; port: string }[] = [];
  for (const e of entries) {
    const [net, bits] = e.split('/');
    if (bits !== undefined && isIP(net!)) {
      ips.addSubnet(net!, Number(bits), isIP(net!) === 6 ? 'ipv6' : 'ipv4');
      continue;
    }
    if (isIP(e)) {
      ips.addAddress(e, isIP(e) === 6 ? 'ipv6' : 'ipv4');
      continue;
    }
    const m = /^(.*?)(?::(\d+))?$/.exec(e)!;
    let name = m[1]!;
    if (name.startsWith('*.')) name = name.slice(1);
    hosts.push({ name: name.replace(/^\./, ''), suffixOnly: name.startsWith('.'), port: m[2] ?? '' });
  }
  return (url) => {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (host === 'localhost') return true;
    const family = isIP(host);
    if (family) {
      if (isLoopback(host)) return true;
      return ips.check(host, family === 6 ? 'ipv6' : 'ipv4') || hosts.some((h) => h.name === host && (h.port === '' || h.port === port));
    }
    return hosts.some((h) => (h.port === '' || h.port === port) && (host.endsWith(`.${h.name}`) || (!h.suffixOnly && host === h.name)));
  };
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\./.test(ip) || /^::ffff:127\./.test(ip);
}

/** The proxy URL for a target from the environment, as Go's http.ProxyFromEnvironment; undefined: go direct. */
export function environmentProxy(env: Readonly<Record<string, string | undefined>>): (url: URL) => string | undefined {
  const get = (k: string): string | undefined => env[k] || env[k.toLowerCase()] || undefined;
  const httpProxy = get('HTTP_PROXY');
  const httpsProxy = get('HTTPS_PROXY');
  const bypass = noProxyMatcher(get('NO_PROXY') ?? '');
  return (url) => {
    const proxy = url.protocol === 'https:' ? httpsProxy : httpProxy;
    if (!proxy || bypass(url)) return undefined;
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
  };
}
