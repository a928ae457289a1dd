import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { parseDocument } from 'yaml';
import { SECRET_REF_RE } from '../../lib/ports/index.ts';
import { grantSecretReads } from './secret-grants.ts';

/**
 * Grants a function exactly what the parts of gateway.yaml it serves need at run time, read from the raw
 * document so every section's spelling counts:
 *   - secrets referenced by any `*_ref` value (secretsmanager:/ssm:, see grantSecretReads);
 *   - `sts:AssumeRole` on every `role_arn`;
 *   - remote_write with `sigv4`: `aps:RemoteWrite` on the Amazon Managed Prometheus workspace named in the URL
 *     (`.../workspaces/<id>/...`), or on every workspace of the account when the URL names none;
 *   - scrape_configs with `ec2_sd_configs`: `ec2:DescribeInstances` and `ec2:DescribeAvailabilityZones` (EC2
 *     offers no resource-level permissions for Describe calls).
 */
export function grantConfigAccess(fn: lambda.IFunction, configText: string, sections: readonly ('remote_write' | 'scrape_configs')[]): void {
  const doc = (parseDocument(configText).toJS() ?? {}) as Record<string, unknown>;
  const refs: string[] = [];
  const roles = new Set<string>();
  let ec2 = false;
  for (const section of sections) {
    walk(doc[section], (key, value) => {
      if (typeof value !== 'string') return;
      if (key.endsWith('_ref') && SECRET_REF_RE.test(value)) refs.push(value);
      if (key === 'role_arn') roles.add(value);
    });
    if (section === 'scrape_configs' && Array.isArray(doc.scrape_configs)) {
      ec2 = doc.scrape_configs.some((j) => j && typeof j === 'object' && Array.isArray((j as Record<string, unknown>).ec2_sd_configs));
    }
  }
  grantSecretReads(fn, refs);
  if (roles.size) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [...roles].sort() }));
  if (ec2) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances', 'ec2:DescribeAvailabilityZones'], resources: ['*'] }));
  if (sections.includes('remote_write') && Array.isArray(doc.remote_write)) {
    const stack = Stack.of(fn);
    const workspaces = new Set<string>();
    for (const rw of doc.remote_write as Record<string, unknown>[]) {
      if (!rw || typeof rw !== 'object' || !rw.sigv4) continue;
      const m = /^https:\/\/aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com\/workspaces\/(ws-[A-Za-z0-9-]+)\//.exec(String(rw.url ?? ''));
      workspaces.add(m ? `arn:${stack.partition}:aps:${m[1]}:${stack.account}:workspace/${m[2]}` : `arn:${stack.partition}:aps:*:${stack.account}:workspace/*`);
    }
    if (workspaces.size) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['aps:RemoteWrite'], resources: [...workspaces].sort() }));
  }
}

function walk(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}
