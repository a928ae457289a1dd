import { TENANT_RE } from '../config/auth.ts';
import { BadRequestError } from '../errors.ts';

/**
 * The tenant a request names, from the `/insert/<tenant>/` path prefix (vmagent) or the tenant header
 * (`X-Scope-OrgID`, Cortex/Mimir). Naming two different tenants is a 400; a tenant outside TENANT_RE is a 400.
 * Undefined when neither is present.
 */
export function requestedTenant(req: { protocol: string; pathTenant: string | undefined; headers: Record<string, string> }, headerKey: string, headerName: string): string | undefined {
  const fromPath = req.pathTenant;
  const fromHeader = req.headers[headerKey]?.trim() || undefined;
  for (const [t, where] of [
    [fromPath, 'path /insert/<tenant>/'],
    [fromHeader, `header ${headerName}`],
  ] as const) {
    if (t !== undefined && !TENANT_RE.test(t)) throw new BadRequestError(`${req.protocol}: invalid tenant ${JSON.stringify(t.slice(0, 160))} in ${where}: must match ${TENANT_RE.source}`, 'invalid_tenant');
  }
  if (fromPath !== undefined && fromHeader !== undefined && fromPath !== fromHeader) {
    throw new BadRequestError(`${req.protocol}: tenant "${fromPath}" in the path and "${fromHeader}" in header ${headerName} differ`, 'invalid_tenant');
  }
  return fromPath ?? fromHeader;
}
