import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTagsCommand, CreateSubnetCommand, CreateVpcCommand, DescribeAvailabilityZonesCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand, StopInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { createEc2ApiFactory } from '../../lib/adapters/aws/ec2-api.ts';
import { createLazyEc2ApiFactory } from '../../lib/adapters/aws/ec2-api-lazy.ts';
import { DiscoveryCache, discoverJob, type DiscoveryDeps } from '../../lib/scrape/discovery/index.ts';
import { FakeClock, MemoryBlobStore } from '../helpers/fakes.ts';
import { haveBinary, startMoto, useFakeAwsCredentials, type Service } from '../helpers/services.ts';

/**
 * ec2_sd_configs against moto server's EC2 through @aws-sdk/client-ec2. Instances are created with
 * RunInstances and tags; the expected labels are what Prometheus builds from the same DescribeInstances
 * fields (moto's values are whatever moto invents; the test reads them back and derives the labels).
 */
const available = haveBinary('moto_server');
if (!available && process.env.CI === 'true') throw new Error('moto_server is required under CI=true (pip install "moto[server]")');

const REGION = 'eu-west-2';

describe('ec2_sd_configs against moto EC2', { skip: !available && 'moto_server not installed' }, () => {
  let moto: Service;
  let ec2: EC2Client;
  let deps: DiscoveryDeps;
  let azIds: Map<string, string>;
  let subnetId: string;
  let vpcId: string;
  const instances: Instance[] = [];

  before(async () => {
    useFakeAwsCredentials();
    moto = await startMoto();
    ec2 = new EC2Client({ region: REGION, endpoint: moto.url });
    const azs = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    azIds = new Map((azs.AvailabilityZones ?? []).map((a) => [a.ZoneName!, a.ZoneId!]));
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
    vpcId = vpc.Vpc!.VpcId!;
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.1.0/24', AvailabilityZone: `${REGION}b` }));
    subnetId = subnet.Subnet!.SubnetId!;
    const web = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-12c6146b',
        InstanceType: 't3.micro',
        MinCount: 2,
        MaxCount: 2,
        SubnetId: subnetId,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'role', Value: 'web' }, { Key: 'Name', Value: 'web-node' }, { Key: 'team:owner/x', Value: 'ops' }] }],
      }),
    );
    const db = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, SubnetId: subnetId }));
    await ec2.send(new CreateTagsCommand({ Resources: [db.Instances![0]!.InstanceId!], Tags: [{ Key: 'role', Value: 'db' }] }));
    // A spot instance in the default VPC: moto gives it a public IP and DNS name and the spot lifecycle.
    const spot = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-12c6146b',
        InstanceType: 'c5.xlarge',
        MinCount: 1,
        MaxCount: 1,
        Placement: { AvailabilityZone: `${REGION}a` },
        InstanceMarketOptions: { MarketType: 'spot' },
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'role', Value: 'batch' }] }],
      }),
    );
    instances.push(...web.Instances!, ...db.Instances!, ...spot.Instances!);
    deps = {
      http: { request: async () => Promise.reject(new Error('no http')) },
      blobs: new MemoryBlobStore(),
      readFile: async () => Promise.reject(new Error('no files')),
      clock: new FakeClock(),
      ec2: createEc2ApiFactory(),
      cache: new DiscoveryCache(),
    };
  });
  after(async () => {
    ec2?.destroy();
    await moto?.stop();
  });

  it('discovers every running instance with the labels Prometheus builds from DescribeInstances', async () => {
    const { groups, failures } = await discoverJob('nodes', { ec2_sd_configs: [{ region: REGION, endpoint: moto.url, port: 9100 }] }, deps);
    assert.deepEqual(failures, []);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.source, `ec2_sd_configs[0]:${REGION}`);
    assert.deepEqual(groups[0]!.labels, {});
    const got = new Map(groups[0]!.targets.map((t) => [t.__meta_ec2_instance_id!, t]));
    assert.equal(got.size, 4);
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({}));
    const seen = new Set<string>();
    for (const r of Reservations!) {
      for (const inst of r.Instances!) {
        const role = inst.Tags!.find((t) => t.Key === 'role')!.Value!;
        seen.add(role);
        // moto's fields for these instances (its AMI ami-12c6146b is a Windows x86_64 image).
        const common: Record<string, string> = {
          __address__: `${inst.PrivateIpAddress}:9100`,
          __meta_ec2_region: REGION,
          __meta_ec2_instance_id: inst.InstanceId!,
          __meta_ec2_owner_id: '123456789012',
          __meta_ec2_private_ip: inst.PrivateIpAddress!,
          __meta_ec2_private_dns_name: `ip-${inst.PrivateIpAddress!.replaceAll('.', '-')}.${REGION}.compute.internal`,
          __meta_ec2_platform: 'windows',
          __meta_ec2_architecture: 'x86_64',
          __meta_ec2_ami: 'ami-12c6146b',
          __meta_ec2_instance_state: 'running',
          __meta_ec2_tag_role: role,
        };
        let want: Record<string, string>;
        if (role === 'batch') {
          const defaultSubnet = inst.SubnetId!;
          want = {
            ...common,
            __meta_ec2_instance_type: 'c5.xlarge',
            __meta_ec2_instance_lifecycle: 'spot',
            __meta_ec2_availability_zone: `${REGION}a`,
            __meta_ec2_availability_zone_id: azIds.get(`${REGION}a`)!,
            __meta_ec2_public_ip: inst.PublicIpAddress!,
            __meta_ec2_public_dns_name: inst.PublicDnsName!,
            __meta_ec2_vpc_id: inst.VpcId!,
            __meta_ec2_primary_subnet_id: defaultSubnet,
            __meta_ec2_subnet_id: `,${defaultSubnet},`,
          };
          assert.match(inst.PublicIpAddress!, /^\d+\.\d+\.\d+\.\d+$/);
          assert.notEqual(inst.VpcId, vpcId);
        } else {
          want = {
            ...common,
            __meta_ec2_instance_type: role === 'web' ? 't3.micro' : 'm5.large',
            __meta_ec2_availability_zone: `${REGION}b`,
            __meta_ec2_availability_zone_id: azIds.get(`${REGION}b`)!,
            __meta_ec2_vpc_id: vpcId,
            __meta_ec2_primary_subnet_id: subnetId,
            __meta_ec2_subnet_id: `,${subnetId},`,
          };
          if (role === 'web') Object.assign(want, { __meta_ec2_tag_Name: 'web-node', __meta_ec2_tag_team_owner_x: 'ops' });
        }
        assert.deepEqual(got.get(inst.InstanceId!), want, `${role} ${inst.InstanceId}`);
      }
    }
    assert.deepEqual([...seen].sort(), ['batch', 'db', 'web']);
    assert.ok(azIds.get(`${REGION}a`) && azIds.get(`${REGION}b`), 'moto answers DescribeAvailabilityZones with zone IDs');
    const web = [...got.values()].filter((t) => t.__meta_ec2_tag_role === 'web');
    assert.equal(web.length, 2);
    assert.equal(web[0]!.__meta_ec2_tag_Name, 'web-node');
    assert.equal(web[0]!.__meta_ec2_tag_team_owner_x, 'ops');
    assert.equal(web[0]!.__meta_ec2_instance_type, 't3.micro');
  });

  it('passes filters to DescribeInstances and defaults the port to 80 (through the lazily loaded SDK)', async () => {
    const { groups } = await discoverJob('web', { ec2_sd_configs: [{ region: REGION, endpoint: moto.url, filters: [{ name: 'tag:role', values: ['web'] }] }] }, { ...deps, ec2: createLazyEc2ApiFactory(), cache: new DiscoveryCache() });
    const targets = groups[0]!.targets;
    assert.equal(targets.length, 2);
    for (const t of targets) {
      assert.equal(t.__meta_ec2_tag_role, 'web');
      assert.equal(t.__address__, `${t.__meta_ec2_private_ip}:80`);
    }
  });

  it('reports instance state changes after refresh_interval, and serves the cached result before it', async () => {
    const clock = new FakeClock();
    const d = { ...deps, clock, cache: new DiscoveryCache() };
    const job = { ec2_sd_configs: [{ region: REGION, endpoint: moto.url, refresh_interval: '2m', filters: [{ name: 'tag:role', values: ['db'] }] }] };
    const first = await discoverJob('db', job, d);
    assert.equal(first.groups[0]!.targets[0]!.__meta_ec2_instance_state, 'running');
    await ec2.send(new StopInstancesCommand({ InstanceIds: [first.groups[0]!.targets[0]!.__meta_ec2_instance_id!] }));
    clock.t += 60_000;
    assert.equal((await discoverJob('db', job, d)).groups[0]!.targets[0]!.__meta_ec2_instance_state, 'running');
    clock.t += 60_000;
    assert.equal((await discoverJob('db', job, d)).groups[0]!.targets[0]!.__meta_ec2_instance_state, 'stopped');
  });

  it('assumes role_arn through STS before calling EC2', async () => {
    const { groups, failures } = await discoverJob('assumed', { ec2_sd_configs: [{ region: REGION, endpoint: moto.url, role_arn: 'arn:aws:iam::123456789012:role/prometheus-sd', filters: [{ name: 'tag:role', values: ['db'] }] }] }, { ...deps, cache: new DiscoveryCache() });
    assert.deepEqual(failures, []);
    assert.equal(groups[0]!.targets.length, 1);
  });

  it('a failing endpoint is a reported failure with no targets on a cold start', async () => {
    const { groups, failures } = await discoverJob('down', { ec2_sd_configs: [{ region: REGION, endpoint: 'http://127.0.0.1:9' }] }, { ...deps, cache: new DiscoveryCache() });
    assert.deepEqual(groups, []);
    assert.equal(failures.length, 1);
    assert.match(failures[0]!.message, /^ec2_sd_configs\[0\]: could not describe instances: /);
    assert.equal(failures[0]!.usedLastGood, false);
  });
});

describe('file_sd_configs with blob:sd/ files in S3 (moto)', { skip: !available && 'moto_server not installed' }, () => {
  let moto: Service;
  before(async () => {
    useFakeAwsCredentials();
    moto = await startMoto();
  });
  after(async () => moto?.stop());

  it('lists and reads target files from the bucket', async () => {
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const { S3BlobStore } = await import('../../lib/adapters/aws/s3-blob-store.ts');
    const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.url, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'gw-sd' }));
    const blobs = new S3BlobStore(s3, 'gw-sd');
    await blobs.put('sd/nodes-a.json', new TextEncoder().encode('[{"targets":["a:9100"],"labels":{"dc":"lon"}}]'));
    await blobs.put('sd/nodes-b.yaml', new TextEncoder().encode('- targets: [b:9100]\n'));
    await blobs.put('sd/nodes-c.yaml', new TextEncoder().encode('- targets: [c:9100]\n'));
    await blobs.put('sd/sub/nodes-d.yaml', new TextEncoder().encode('- targets: [d:9100]\n'));
    const deps: DiscoveryDeps = { http: { request: async () => Promise.reject(new Error('no http')) }, blobs, readFile: async () => Promise.reject(new Error('no files')), clock: new FakeClock() };
    const { groups, failures } = await discoverJob('j', { file_sd_configs: [{ files: ['blob:sd/nodes-*.yaml', 'blob:sd/nodes-a.json', 'blob:sd/missing.json'] }] }, deps);
    assert.deepEqual(failures, []);
    assert.deepEqual(groups, [
      { source: 'file_sd_configs[0]:blob:sd/nodes-b.yaml:0', targets: [{ __address__: 'b:9100' }], labels: { __meta_filepath: 'blob:sd/nodes-b.yaml' } },
      { source: 'file_sd_configs[0]:blob:sd/nodes-c.yaml:0', targets: [{ __address__: 'c:9100' }], labels: { __meta_filepath: 'blob:sd/nodes-c.yaml' } },
      { source: 'file_sd_configs[0]:blob:sd/nodes-a.json:0', targets: [{ __address__: 'a:9100' }], labels: { dc: 'lon', __meta_filepath: 'blob:sd/nodes-a.json' } },
    ]);
    s3.destroy();
  });
});
