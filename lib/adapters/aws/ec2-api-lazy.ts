import type { Ec2ApiFactory } from '../../scrape/discovery/index.ts';

/**
 * An Ec2ApiFactory that loads @aws-sdk/client-ec2 (and client-sts) on first use: jobs without ec2_sd_configs
 * never evaluate the EC2 SDK, which is about 1 MB of the scrape function's bundle. Same options and client
 * caching as createEc2ApiFactory.
 */
export function createLazyEc2ApiFactory(opts: { defaultEndpoint?: string; defaultRegion?: string } = {}): Ec2ApiFactory {
  let loaded: Promise<Ec2ApiFactory> | undefined;
  const load = (): Promise<Ec2ApiFactory> => (loaded ??= import('./ec2-api.ts').then((m) => m.createEc2ApiFactory(opts)));
  return (o) => ({
    region: async () => (await load())(o).region(),
    describeAvailabilityZones: async () => (await load())(o).describeAvailabilityZones(),
    describeInstances: async (filters, token) => (await load())(o).describeInstances(filters, token),
  });
}
