import { MethodNotAllowedError, NotFoundError } from '../errors.ts';
import type { DispatchRoute } from './types.ts';

export interface RouteMatch {
  route: DispatchRoute;
  params: Record<string, string>;
  /** From an `/insert/<tenant>/` path prefix (vmagent's multitenancy form), else undefined. */
  tenant: string | undefined;
  path: string;
}

/** Exact paths first, then `/*` prefixes (longest first). 404 for an unknown path, 405 with Allow for a wrong method. */
export class Router {
  private readonly exact = new Map<string, DispatchRoute[]>();
  private readonly prefixes: { prefix: string; route: DispatchRoute }[] = [];

  constructor(routes: readonly DispatchRoute[]) {
    for (const r of routes) {
      for (const p of r.paths) {
        if (p.endsWith('/*')) this.prefixes.push({ prefix: p.slice(0, -1), route: r });
        else this.exact.set(p, [...(this.exact.get(p) ?? []), r]);
      }
    }
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  match(method: string, rawPath: string): RouteMatch {
    let tenant: string | undefined;
    let path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
    const m = /^\/insert\/([^/]+)(\/.*)$/.exec(path);
    if (m) {
      tenant = decodeURIComponent(m[1]!);
      path = m[2]!;
    }
    let found = this.find(method, path);
    // vmagent's tenant paths put Prometheus-family routes under /prometheus (/insert/0/prometheus/api/v1/write).
    if (!found && tenant !== undefined && path.startsWith('/prometheus/')) {
      path = path.slice('/prometheus'.length);
      found = this.find(method, path);
    }
    if (!found) throw new NotFoundError(`no ingest route for ${JSON.stringify(rawPath.slice(0, 200))}`);
    if ('allow' in found) throw new MethodNotAllowedError(`method ${method} is not allowed for ${path} (allowed: ${found.allow.join(', ')})`, found.allow);
    return { ...found, tenant, path };
  }

  private find(method: string, path: string): { route: DispatchRoute; params: Record<string, string> } | { allow: string[] } | undefined {
    const candidates: { route: DispatchRoute; params: Record<string, string> }[] = [];
    for (const r of this.exact.get(path) ?? []) candidates.push({ route: r, params: {} });
    if (!candidates.length) {
      for (const p of this.prefixes) {
        if (path.startsWith(p.prefix) && path.length > p.prefix.length) candidates.push({ route: p.route, params: { '*': path.slice(p.prefix.length) } });
      }
    }
    if (!candidates.length) return undefined;
    const hit = candidates.find((c) => c.route.methods.includes(method));
    if (hit) return hit;
    return { allow: [...new Set(candidates.flatMap((c) => c.route.methods))] };
  }
}
