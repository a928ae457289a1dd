import { DescribeAvailabilityZonesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Ec2Api, Ec2ApiFactory } from '../../scrape/discovery/index.ts';
import type { Ec2Filter } from '../../scrape/discovery/config.ts';

/** Assumed-role credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

/** Ec2Api on @aws-sdk/client-ec2; with roleArn it calls EC2 with that role's credentials (STS AssumeRole). */
export class SdkEc2Api implements Ec2Api {
  private readonly client: EC2Client;

  constructor(client: EC2Client) {
    this.client = client;
  }

  async region(): Promise<string> {
    const r = await this.client.config.region();
    if (!r) throw new Error('EC2 SD configuration requires a region (set region, or AWS_REGION in the environment)');
    return r;
  }

  async describeAvailabilityZones() {
    const res = await this.client.send(new DescribeAvailabilityZonesCommand({}));
    return res.AvailabilityZones ?? [];
  }

  async describeInstances(filters: Ec2Filter[], nextToken: string | undefined) {
    return this.client.send(
      new DescribeInstancesCommand({
        ...(filters.length ? { Filters: filters.map((f) => ({ Name: f.name, Values: f.values })) } : {}),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
  }
}

/**
 * An Ec2ApiFactory that keeps one client per (region, endpoint, role) for the life of the process, so a warm
 * Lambda reuses connections and assumed-role credentials. defaultEndpoint (AWS_ENDPOINT_URL) applies when a
 * config names no endpoint.
 */
export function createEc2ApiFactory(opts: { defaultEndpoint?: string; defaultRegion?: string } = {}): Ec2ApiFactory {
  const clients = new Map<string, SdkEc2Api>();
  return ({ region, endpoint, roleArn }) => {
    const key = `${region ?? ''}\u0000${endpoint ?? ''}\u0000${roleArn ?? ''}`;
    let api = clients.get(key);
    if (!api) {
      const ep = endpoint ?? opts.defaultEndpoint;
      const r = region ?? opts.defaultRegion;
      const common = { ...(r ? { region: r } : {}), ...(ep ? { endpoint: ep } : {}) };
      const credentials = roleArn ? assumedRoleCredentials(new STSClient(common), roleArn) : undefined;
      api = new SdkEc2Api(new EC2Client({ ...common, ...(credentials ? { credentials } : {}) }));
      clients.set(key, api);
    }
    return api;
  };
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A credentials provider that assumes roleArn and renews the session before it expires. */
export function assumedRoleCredentials(sts: STSClient, roleArn: string, now: () => number = Date.now): () => Promise<Credentials> {
  let current: Credentials | undefined;
  let pending: Promise<Credentials> | undefined;
  return async () => {
    if (current?.expiration && current.expiration.getTime() - RENEW_BEFORE_MS > now()) return current;
    pending ??= (async () => {
      try {
        const res = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `metrics-gateway-ec2-sd-${now()}` }));
        const c = res.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
        current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), ...(c.Expiration ? { expiration: c.Expiration } : {}) };
        return current;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}
