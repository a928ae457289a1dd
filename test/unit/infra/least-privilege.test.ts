import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALL_ENTRIES, buildStack, grants, logicalId } from '../../helpers/infra.ts';

/**
 * Each function gets exactly the actions and key prefixes its code uses: the whole list is asserted, so a
 * new grant (or a wider one) fails here until it is reviewed.
 */
describe('least privilege', () => {
  const { template } = buildStack({ entries: ALL_ENTRIES });
  const role = (prefix: string): string => logicalId(template, 'AWS::IAM::Role', prefix);

  const table = [
    {
      name: 'ingest: send to the queue, put claim-checked payloads under spool/',
      role: 'IngestRole',
      want: [
        'Allow logs:CreateLogStream IngestLogs',
        'Allow logs:PutLogEvents IngestLogs',
        // /api/v1/targets and /targets read the scrape status (only when functions/scrape.ts exists).
        'Allow s3:GetObject BlobsBucket/state/*',
        'Allow s3:ListBucket BlobsBucket if {"StringLike":{"s3:prefix":["state/*"]}}',
        'Allow s3:PutObject BlobsBucket/spool/*',
        'Allow sqs:SendMessage Queue',
      ],
    },
    {
      name: 'deliver: consume via the event source, read and delete spool/, put overflow/ and rejected/, send its self-metrics',
      role: 'DeliverRole',
      want: [
        'Allow logs:CreateLogStream DeliverLogs',
        'Allow logs:PutLogEvents DeliverLogs',
        'Allow s3:DeleteObject BlobsBucket/spool/*',
        'Allow s3:GetObject BlobsBucket/spool/*',
        // Without it a missing claim-checked payload answers 403, not NoSuchKey (see BlobBucket.grantMissingKeyAsNotFound).
        'Allow s3:ListBucket BlobsBucket',
        'Allow s3:PutObject BlobsBucket/overflow/*',
        'Allow s3:PutObject BlobsBucket/rejected/*',
        'Allow sqs:ChangeMessageVisibility Queue',
        'Allow sqs:DeleteMessage Queue',
        'Allow sqs:GetQueueAttributes Queue',
        'Allow sqs:GetQueueUrl Queue',
        'Allow sqs:ReceiveMessage Queue',
        'Allow sqs:SendMessage Queue',
      ],
    },
    {
      name: 'replay: list, read and delete overflow/, put rejected/, send its self-metrics to the queue',
      role: 'ReplayRole',
      want: [
        'Allow logs:CreateLogStream ReplayLogs',
        'Allow logs:PutLogEvents ReplayLogs',
        'Allow s3:DeleteObject BlobsBucket/overflow/*',
        'Allow s3:GetObject BlobsBucket/overflow/*',
        'Allow s3:ListBucket BlobsBucket if {"StringLike":{"s3:prefix":["overflow/*"]}}',
        'Allow s3:PutObject BlobsBucket/rejected/*',
        'Allow sqs:SendMessage Queue',
      ],
    },
    {
      name: 'scrape: send to the queue, put spool/, read and write state/',
      role: 'ScrapeRole',
      want: [
        'Allow logs:CreateLogStream ScrapeLogs',
        'Allow logs:PutLogEvents ScrapeLogs',
        'Allow s3:GetObject BlobsBucket/state/*',
        'Allow s3:ListBucket BlobsBucket',
        'Allow s3:PutObject BlobsBucket/spool/*',
        'Allow s3:PutObject BlobsBucket/state/*',
        'Allow sqs:SendMessage Queue',
      ],
    },
  ];
  for (const t of table) {
    it(t.name, () => assert.deepEqual(grants(template, role(t.role)), t.want));
  }

  it('no role carries an AWS managed policy (not even AWSLambdaBasicExecutionRole)', () => {
    for (const r of Object.values(template.findResources('AWS::IAM::Role'))) assert.equal(r.Properties.ManagedPolicyArns, undefined);
  });

  it('no statement anywhere allows a wildcard action or Resource "*"', () => {
    for (const p of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const s of p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]) {
        for (const a of [s.Action].flat()) assert.ok(!a.includes('*'), `wildcard action ${a}`);
        assert.notEqual(s.Resource, '*');
      }
    }
  });

  it('the ingest function cannot read anything from the bucket but the scrape status under state/, nor consume the queue', () => {
    const g = grants(template, role('IngestRole')).filter((l) => !l.includes('state/')).join('\n');
    assert.doesNotMatch(g, /s3:GetObject|s3:DeleteObject|s3:ListBucket|sqs:ReceiveMessage|sqs:DeleteMessage/);
  });
});

describe('least privilege with -c vpcId', () => {
  const vpc = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: [] };
  const { template } = buildStack({ entries: ALL_ENTRIES, options: { vpc } });
  const without = buildStack({ entries: ALL_ENTRIES }).template;
  const eni = ['ec2:AssignPrivateIpAddresses', 'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:UnassignPrivateIpAddresses'].map((a) => `Allow ${a} "*"`);

  for (const name of ['Deliver', 'Replay', 'Scrape']) {
    it(`${name.toLowerCase()} gains exactly the network-interface actions Lambda needs in a VPC, nothing else`, () => {
      const before = grants(without, logicalId(without, 'AWS::IAM::Role', `${name}Role`));
      assert.deepEqual(grants(template, logicalId(template, 'AWS::IAM::Role', `${name}Role`)), [...before, ...eni].sort());
    });
  }
  it('ingest stays out of the VPC and gains nothing', () => {
    assert.deepEqual(grants(template, logicalId(template, 'AWS::IAM::Role', 'IngestRole')), grants(without, logicalId(without, 'AWS::IAM::Role', 'IngestRole')));
  });
});
