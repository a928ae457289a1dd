import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { acknowledgeAcceptedFindings } from '../../../infra/stacks/nag-suppressions.ts';
import { ALL_ENTRIES, buildStack } from '../../helpers/infra.ts';

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      // One entry per acknowledgement: { "Annotation::<rule id>": reason }.
      for (const [key, reason] of Object.entries(m.data as Record<string, string>)) out.push({ path: c.node.path, id: key.replace(/^Annotation::/, ''), reason });
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions', () => {
  const variants = [
    { name: 'default (HTTP API, ingest and deliver)', options: {}, entries: undefined },
    { name: 'all four functions, HTTP API and Function URL with IAM auth', options: { ingestEndpoint: 'both', ingestAuth: 'iam' } as const, entries: ALL_ENTRIES },
    { name: 'Function URL only', options: { ingestEndpoint: 'function-url' } as const, entries: ALL_ENTRIES },
    { name: 'deliver, replay and scrape in a VPC', options: { vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [] } }, entries: ALL_ENTRIES },
  ];
  for (const v of variants) {
    it(`${v.name}: no errors once the accepted findings are acknowledged`, () => {
      const { app, stack } = buildStack({ options: v.options, ...(v.entries ? { entries: v.entries } : {}) });
      acknowledgeAcceptedFindings(stack);
      const report = new AwsSolutionsChecks(app).validateScope(app);
      assert.deepEqual(report.violations.map((x) => `${x.ruleName}: ${x.violatingResources.map((r) => r.constructPath).join(', ')}`), []);
      assert.equal(report.success, true);
    });
  }

  it('every acknowledgement carries a written reason', () => {
    const { stack } = buildStack({ entries: ALL_ENTRIES });
    acknowledgeAcceptedFindings(stack);
    const acks = acknowledgements(stack);
    assert.ok(acks.length > 0);
    for (const a of acks) assert.ok(a.reason.length >= 40 && / /.test(a.reason), `${a.path} ${a.id}: reason too thin: ${JSON.stringify(a.reason)}`);
    assert.deepEqual([...new Set(acks.map((a) => a.id.replace(/\[.*$/, '')))].sort(), ['AwsSolutions-APIG4', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-S1']);
  });

  it('the check really runs: without the acknowledgements it reports exactly those findings', () => {
    const { app } = buildStack({ entries: ALL_ENTRIES });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    assert.equal(report.success, false);
    const rules = [...new Set(report.violations.map((x) => x.ruleName.replace(/\[.*$/, '')))].sort();
    assert.deepEqual(rules, ['AwsSolutions-APIG4', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-S1']);
  });
});
