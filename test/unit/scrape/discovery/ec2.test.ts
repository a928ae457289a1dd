import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assumedRoleCredentials } from '../../../../lib/adapters/aws/ec2-api.ts';
import { DiscoveryCache, discoverJob, type Ec2Api, type Ec2Instance, type Ec2Reservation } from '../../../../lib/scrape/discovery/index.ts';
import { instanceLabels, sanitizeLabelName } from '../../../../lib/scrape/discovery/ec2.ts';
import { fileDeps } from './helpers.ts';

/** An Ec2Api answering from fixed pages; records each call. */
class FakeEc2 implements Ec2Api {
  calls: string[] = [];
  pages: { Reservations?: Ec2Reservation[]; NextToken?: string }[];
  azFails = false;
  constructor(pages: { Reservations?: Ec2Reservation[]; NextToken?: string }[]) {
    this.pages = pages;
  }
  async region(): Promise<string> {
    return 'eu-west-2';
  }
  async describeAvailabilityZones() {
    this.calls.push('azs');
    if (this.azFails) throw new Error('UnauthorizedOperation');
    return [
      { ZoneName: 'eu-west-2a', ZoneId: 'euw2-az2' },
      { ZoneName: 'eu-west-2b', ZoneId: 'euw2-az3' },
    ];
  }
  async describeInstances(filters: { name: string; values: string[] }[], token: string | undefined) {
    this.calls.push(`instances ${JSON.stringify(filters)} ${token ?? '-'}`);
    const i = token ? Number(token) : 0;
    return this.pages[i]!;
  }
}

const full: Ec2Instance = {
  InstanceId: 'i-0123',
  ImageId: 'ami-1',
  InstanceType: 'm5.large',
  Architecture: 'arm64',
  Platform: 'windows',
  InstanceLifecycle: 'spot',
  PrivateIpAddress: '10.0.1.5',
  PrivateDnsName: 'ip-10-0-1-5.eu-west-2.compute.internal',
  PublicIpAddress: '3.8.1.2',
  PublicDnsName: 'ec2-3-8-1-2.eu-west-2.compute.amazonaws.com',
  VpcId: 'vpc-1',
  SubnetId: 'subnet-a',
  State: { Name: 'running' },
  Placement: { AvailabilityZone: 'eu-west-2a' },
  Tags: [{ Key: 'Name', Value: 'web-1' }, { Key: 'aws:autoscaling:groupName', Value: 'asg' }, { Key: 'kostenstelle-ö', Value: 'x' }, { Key: 'nokey' }],
  NetworkInterfaces: [
    { SubnetId: 'subnet-a', Attachment: { DeviceIndex: 0 }, Ipv6Addresses: [{ Ipv6Address: '2001:db8::1' }] },
    { SubnetId: 'subnet-b', Attachment: { DeviceIndex: 2 }, Ipv6Addresses: [{ Ipv6Address: '2001:db8::2' }, { Ipv6Address: '2001:db8::3', IsPrimaryIpv6: true }] },
    { SubnetId: 'subnet-a', Attachment: { DeviceIndex: 1 }, Ipv6Addresses: [] },
    { Attachment: { DeviceIndex: 3 }, Ipv6Addresses: [{ Ipv6Address: '2001:db8::9', IsPrimaryIpv6: true }] },
  ],
};

describe('ec2_sd_configs labels (Prometheus discovery/aws/ec2.go)', () => {
  const azIds = new Map([['eu-west-2a', 'euw2-az2']]);
  const cases: { name: string; inst: Ec2Instance; owner?: string; azIds?: Map<string, string>; want: Record<string, string> | undefined }[] = [
    {
      name: 'every field',
      inst: full,
      owner: '123456789012',
      want: {
        __address__: '10.0.1.5:9100',
        __meta_ec2_region: 'eu-west-2',
        __meta_ec2_instance_id: 'i-0123',
        __meta_ec2_owner_id: '123456789012',
        __meta_ec2_private_ip: '10.0.1.5',
        __meta_ec2_private_dns_name: 'ip-10-0-1-5.eu-west-2.compute.internal',
        __meta_ec2_platform: 'windows',
        __meta_ec2_public_ip: '3.8.1.2',
        __meta_ec2_public_dns_name: 'ec2-3-8-1-2.eu-west-2.compute.amazonaws.com',
        __meta_ec2_ami: 'ami-1',
        __meta_ec2_availability_zone: 'eu-west-2a',
        __meta_ec2_availability_zone_id: 'euw2-az2',
        __meta_ec2_instance_state: 'running',
        __meta_ec2_instance_type: 'm5.large',
        __meta_ec2_instance_lifecycle: 'spot',
        __meta_ec2_architecture: 'arm64',
        __meta_ec2_vpc_id: 'vpc-1',
        __meta_ec2_primary_subnet_id: 'subnet-a',
        // Deduplicated in interface order; interfaces without a subnet are skipped entirely.
        __meta_ec2_subnet_id: ',subnet-a,subnet-b,',
        __meta_ec2_ipv6_addresses: ',2001:db8::1,2001:db8::2,2001:db8::3,',
        // Positioned by device index: index 0 and 1 have no primary IPv6.
        __meta_ec2_primary_ipv6_addresses: ',,,2001:db8::3,',
        __meta_ec2_tag_Name: 'web-1',
        __meta_ec2_tag_aws_autoscaling_groupName: 'asg',
        __meta_ec2_tag_kostenstelle__: 'x',
      },
    },
    {
      name: 'the minimum (EC2-Classic style: no VPC, no public IP, no owner)',
      inst: { InstanceId: 'i-1', ImageId: 'ami-2', InstanceType: 't2.micro', PrivateIpAddress: '10.0.0.9', State: { Name: 'pending' }, Placement: { AvailabilityZone: 'eu-west-2c' } },
      want: {
        __address__: '10.0.0.9:9100',
        __meta_ec2_region: 'eu-west-2',
        __meta_ec2_instance_id: 'i-1',
        __meta_ec2_private_ip: '10.0.0.9',
        __meta_ec2_ami: 'ami-2',
        __meta_ec2_availability_zone: 'eu-west-2c',
        // A zone missing from the map: Prometheus sets "", which is no label.
        __meta_ec2_instance_state: 'pending',
        __meta_ec2_instance_type: 't2.micro',
      },
    },
    {
      name: 'a VPC instance without interfaces and without a zone map',
      inst: { InstanceId: 'i-2', InstanceType: 't3.nano', PrivateIpAddress: '10.0.0.10', VpcId: 'vpc-9', SubnetId: 'subnet-9', Placement: { AvailabilityZone: 'eu-west-2a' } },
      azIds: undefined,
      want: {
        __address__: '10.0.0.10:9100',
        __meta_ec2_region: 'eu-west-2',
        __meta_ec2_instance_id: 'i-2',
        __meta_ec2_private_ip: '10.0.0.10',
        __meta_ec2_availability_zone: 'eu-west-2a',
        __meta_ec2_instance_type: 't3.nano',
        __meta_ec2_vpc_id: 'vpc-9',
        __meta_ec2_primary_subnet_id: 'subnet-9',
        __meta_ec2_subnet_id: ',,',
      },
    },
    { name: 'no private IP (terminated): skipped', inst: { InstanceId: 'i-3', State: { Name: 'terminated' } }, want: undefined },
  ];
  for (const t of cases) {
    it(t.name, () => assert.deepEqual(instanceLabels(t.inst, t.owner, 'eu-west-2', 9100, 'azIds' in t ? t.azIds : azIds), t.want));
  }

  it('sanitizes tag keys per character, as strutil.SanitizeLabelName', () => {
    assert.equal(sanitizeLabelName('a.b-c/d e:f'), 'a_b_c_d_e_f');
    assert.equal(sanitizeLabelName('Ünïcode'), '_n_code');
    assert.equal(sanitizeLabelName('😀x'), '_x');
    assert.equal(sanitizeLabelName('9lives'), '9lives');
  });
});

describe('ec2_sd_configs refresh', () => {
  const inst = (id: string, ip: string): Ec2Instance => ({ InstanceId: id, PrivateIpAddress: ip, InstanceType: 't3.micro', Placement: { AvailabilityZone: 'eu-west-2b' } });

  it('pages through DescribeInstances with the filters, one group per config with the region as source', async () => {
    const api = new FakeEc2([
      { Reservations: [{ OwnerId: 'o', Instances: [inst('i-1', '10.0.0.1'), { InstanceId: 'i-x' }] }], NextToken: '1' },
      { Reservations: [{ OwnerId: 'o', Instances: [inst('i-2', '10.0.0.2')] }] },
    ]);
    const opts: unknown[] = [];
    const deps = fileDeps({ ec2: (o) => (opts.push(o), api) });
    const { groups, failures } = await discoverJob('j', { ec2_sd_configs: [{ region: 'eu-west-2', port: 9100, filters: [{ name: 'tag:env', values: ['prod'] }], role_arn: 'arn:aws:iam::123456789012:role/r' }] }, deps);
    assert.deepEqual(failures, []);
    assert.deepEqual(opts, [{ region: 'eu-west-2', endpoint: undefined, roleArn: 'arn:aws:iam::123456789012:role/r' }]);
    assert.deepEqual(api.calls, ['azs', 'instances [{"name":"tag:env","values":["prod"]}] -', 'instances [{"name":"tag:env","values":["prod"]}] 1']);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.source, 'ec2_sd_configs[0]:eu-west-2');
    assert.deepEqual(groups[0]!.targets.map((t) => [t.__address__, t.__meta_ec2_availability_zone_id, t.__meta_ec2_owner_id]), [
      ['10.0.0.1:9100', 'euw2-az3', 'o'],
      ['10.0.0.2:9100', 'euw2-az3', 'o'],
    ]);
  });

  it('describes availability zones once per process; when that fails the zone IDs are empty, not the targets', async () => {
    const api = new FakeEc2([{ Reservations: [{ Instances: [inst('i-1', '10.0.0.1')] }] }]);
    api.azFails = true;
    const cache = new DiscoveryCache();
    const deps = fileDeps({ ec2: () => api, cache });
    const job = { ec2_sd_configs: [{ region: 'eu-west-2', refresh_interval: '1m' }] };
    const first = await discoverJob('j', job, deps);
    assert.deepEqual(first.failures, []);
    assert.equal(first.groups[0]!.targets[0]!.__meta_ec2_availability_zone_id, undefined);
    api.azFails = false;
    deps.clock.t += 60_000;
    const second = await discoverJob('j', job, deps);
    assert.equal(second.groups[0]!.targets[0]!.__meta_ec2_availability_zone_id, 'euw2-az3');
    deps.clock.t += 60_000;
    await discoverJob('j', job, deps);
    assert.deepEqual(api.calls.filter((c) => c === 'azs').length, 2);
    assert.equal(api.calls.filter((c) => c.startsWith('instances')).length, 3);
  });

  it('without an EC2 client the config fails with a clear message', async () => {
    const r = await discoverJob('j', { ec2_sd_configs: [{}] }, fileDeps());
    assert.deepEqual(r.groups, []);
    assert.equal(r.failures[0]!.message, 'ec2_sd_configs[0]: EC2 discovery is not available in this runtime');
  });

  it('stops after 100 pages', async () => {
    const api = new FakeEc2([]);
    api.describeInstances = async (_f, token) => ({ Reservations: [], NextToken: String(Number(token ?? 0) + 1) });
    const r = await discoverJob('j', { ec2_sd_configs: [{}] }, fileDeps({ ec2: () => api }));
    assert.equal(r.failures[0]!.message, 'ec2_sd_configs[0]: could not describe instances: more than 100 pages; narrow the filters');
  });
});

describe('assumedRoleCredentials', () => {
  it('assumes the role once and renews five minutes before expiry', async () => {
    let now = 1_700_000_000_000;
    const sent: unknown[] = [];
    const sts = {
      send: async (cmd: { input: unknown }) => {
        sent.push(cmd.input);
        return { Credentials: { AccessKeyId: `AK${sent.length}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(now + 3_600_000) } };
      },
    };
    const provider = assumedRoleCredentials(sts as never, 'arn:aws:iam::123456789012:role/r', () => now);
    const [a, b] = await Promise.all([provider(), provider()]);
    assert.equal(a.accessKeyId, 'AK1');
    assert.equal(b.accessKeyId, 'AK1');
    assert.equal(sent.length, 1);
    assert.equal((sent[0] as { RoleArn: string }).RoleArn, 'arn:aws:iam::123456789012:role/r');
    now += 3_600_000 - 300_001;
    assert.equal((await provider()).accessKeyId, 'AK1');
    now += 1;
    assert.equal((await provider()).accessKeyId, 'AK2');
  });
});
