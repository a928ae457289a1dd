import type { Ec2Filter, Ec2SdConfig } from './config.ts';
import type { TargetGroup } from './target-group.ts';

/**
 * The parts of EC2's DescribeInstances / DescribeAvailabilityZones answers that discovery reads, shaped as
 * @aws-sdk/client-ec2 returns them (every field optional, as in the API).
 */
export interface Ec2Instance {
  InstanceId?: string;
  ImageId?: string;
  InstanceType?: string;
  Architecture?: string;
  Platform?: string;
  InstanceLifecycle?: string;
  PrivateIpAddress?: string;
  PrivateDnsName?: string;
  PublicIpAddress?: string;
  PublicDnsName?: string;
  VpcId?: string;
  SubnetId?: string;
  State?: { Name?: string };
  Placement?: { AvailabilityZone?: string };
  Tags?: { Key?: string; Value?: string }[];
  NetworkInterfaces?: {
    SubnetId?: string;
    Attachment?: { DeviceIndex?: number };
    Ipv6Addresses?: { Ipv6Address?: string; IsPrimaryIpv6?: boolean }[];
  }[];
}

export interface Ec2Reservation {
  OwnerId?: string;
  Instances?: Ec2Instance[];
}

/** What ec2_sd_configs needs from EC2; lib/adapters/aws/ec2-api.ts implements it on @aws-sdk/client-ec2. */
export interface Ec2Api {
  /** The region the client talks to (configured, or the environment's); it becomes __meta_ec2_region. */
  region(): Promise<string>;
  describeAvailabilityZones(): Promise<{ ZoneName?: string; ZoneId?: string }[]>;
  /** One page of instances matching filters; nextToken continues. */
  describeInstances(filters: Ec2Filter[], nextToken: string | undefined): Promise<{ Reservations?: Ec2Reservation[]; NextToken?: string }>;
}

/** Builds (and may cache) a client per region, endpoint and role. */
export type Ec2ApiFactory = (opts: { region: string | undefined; endpoint: string | undefined; roleArn: string | undefined }) => Ec2Api;

/** Pages fetched per refresh at most (1000 instances a page: 100,000 instances). */
export const MAX_EC2_PAGES = 100;

const SEP = ',';

/**
 * One ec2_sd_configs refresh, as Prometheus does it: one group (source: the region) with one target per
 * instance that has a private IP, `__address__` = private IP:port, and the __meta_ec2_* labels Prometheus
 * documents with its value formats. `azIds` maps zone names to zone IDs (DescribeAvailabilityZones); when it
 * could not be built, __meta_ec2_availability_zone_id is absent (Prometheus sets it empty, the same thing).
 * Empty values never appear: Prometheus treats an empty label as no label.
 */
export async function fetchEc2Sd(cfg: Ec2SdConfig, api: Ec2Api, azIds: Map<string, string> | undefined): Promise<TargetGroup> {
  const region = await api.region();
  const targets: Record<string, string>[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await api.describeInstances(cfg.filters, token);
    for (const r of page.Reservations ?? []) {
      for (const inst of r.Instances ?? []) {
        const t = instanceLabels(inst, r.OwnerId, region, cfg.port, azIds);
        if (t) targets.push(t);
      }
    }
    token = page.NextToken || undefined;
    if (++pages >= MAX_EC2_PAGES && token) throw new Error(`more than ${MAX_EC2_PAGES} pages; narrow the filters`);
  } while (token);
  return { source: `ec2_sd_configs[${cfg.index}]:${region}`, targets, labels: {} };
}

/** Zone name to zone ID, for __meta_ec2_availability_zone_id. */
export async function fetchAzIds(api: Ec2Api): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const az of await api.describeAvailabilityZones()) if (az.ZoneName && az.ZoneId) m.set(az.ZoneName, az.ZoneId);
  return m;
}

/** The labels of one instance, or undefined when Prometheus skips it (no private IP). */
export function instanceLabels(inst: Ec2Instance, ownerId: string | undefined, region: string, port: number, azIds: Map<string, string> | undefined): Record<string, string> | undefined {
  if (!inst.PrivateIpAddress) return undefined;
  const l: Record<string, string> = { __meta_ec2_region: region };
  if (inst.InstanceId !== undefined) l.__meta_ec2_instance_id = inst.InstanceId;
  if (ownerId !== undefined) l.__meta_ec2_owner_id = ownerId;
  l.__meta_ec2_private_ip = inst.PrivateIpAddress;
  l.__address__ = joinHostPort(inst.PrivateIpAddress, port);
  if (inst.PrivateDnsName !== undefined) l.__meta_ec2_private_dns_name = inst.PrivateDnsName;
  if (inst.Platform) l.__meta_ec2_platform = inst.Platform;
  if (inst.PublicIpAddress !== undefined) {
    l.__meta_ec2_public_ip = inst.PublicIpAddress;
    if (inst.PublicDnsName !== undefined) l.__meta_ec2_public_dns_name = inst.PublicDnsName;
  }
  if (inst.ImageId !== undefined) l.__meta_ec2_ami = inst.ImageId;
  const az = inst.Placement?.AvailabilityZone;
  if (az !== undefined) {
    l.__meta_ec2_availability_zone = az;
    // Prometheus sets "" when the zone is not in the map, which is no label at all.
    const azId = azIds?.get(az);
    if (azId) l.__meta_ec2_availability_zone_id = azId;
  }
  if (inst.State?.Name !== undefined) l.__meta_ec2_instance_state = inst.State.Name;
  if (inst.InstanceType) l.__meta_ec2_instance_type = inst.InstanceType;
  if (inst.InstanceLifecycle) l.__meta_ec2_instance_lifecycle = inst.InstanceLifecycle;
  if (inst.Architecture) l.__meta_ec2_architecture = inst.Architecture;
  if (inst.VpcId !== undefined) {
    l.__meta_ec2_vpc_id = inst.VpcId;
    if (inst.SubnetId !== undefined) l.__meta_ec2_primary_subnet_id = inst.SubnetId;
    const subnets: string[] = [];
    const ipv6: string[] = [];
    const primaryIpv6: string[] = [];
    for (const eni of inst.NetworkInterfaces ?? []) {
      if (eni.SubnetId === undefined) continue;
      // Compatibility: subnet IDs deduplicated in the order EC2 lists the interfaces.
      if (!subnets.includes(eni.SubnetId)) subnets.push(eni.SubnetId);
      for (const a of eni.Ipv6Addresses ?? []) {
        if (a.Ipv6Address === undefined) continue;
        ipv6.push(a.Ipv6Address);
        const idx = eni.Attachment?.DeviceIndex;
        if (!a.IsPrimaryIpv6 || idx === undefined || idx < 0) continue;
        // Compatibility: positions follow the device index, so gaps stay as empty entries (",,addr,").
        while (primaryIpv6.length <= idx) primaryIpv6.push('');
        primaryIpv6[idx] = a.Ipv6Address;
      }
    }
    // Compatibility: Prometheus wraps these lists in separators (",a,b,") so regexes can match ",a,".
    l.__meta_ec2_subnet_id = SEP + subnets.join(SEP) + SEP;
    if (ipv6.length > 0) l.__meta_ec2_ipv6_addresses = SEP + ipv6.join(SEP) + SEP;
    if (primaryIpv6.length > 0) l.__meta_ec2_primary_ipv6_addresses = SEP + primaryIpv6.join(SEP) + SEP;
  }
  for (const t of inst.Tags ?? []) {
    if (t.Key === undefined || t.Value === undefined) continue;
    l[`__meta_ec2_tag_${sanitizeLabelName(t.Key)}`] = t.Value;
  }
  return l;
}

/** Prometheus' strutil.SanitizeLabelName: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/gu, '_');
}

/** Go's net.JoinHostPort: IPv6 hosts in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
