import { haveBinary, haveLocalStack, LOCALSTACK_INSTALL, startLocalStack, startMoto, type LocalStackOptions } from './services.ts';

/** A running AWS endpoint emulator. */
export interface AwsEndpoint {
  url: string;
  stop(): Promise<void>;
}

/**
 * One AWS endpoint the AWS tests run against. Each test file runs its suite once per backend, each with
 * one endpoint shared by the file's tests (started in before(), stopped in after()).
 */
export interface AwsBackend {
  name: 'moto' | 'localstack' | 'AWS_ENDPOINT_URL';
  /** Why it cannot run here (a skip reason), or false. Under CI=true a missing backend throws instead. */
  skip: string | false;
  start(opts?: LocalStackOptions): Promise<AwsEndpoint>;
}

/**
 * moto server and LocalStack (on the host, no Docker), both required under CI=true: the README promises
 * both, so CI proves both. With AWS_ENDPOINT_URL set (e.g. a LocalStack of your own), only that endpoint.
 * `needs` are more binaries the suite uses (e.g. victoria-metrics), checked the same way.
 */
export function awsBackends(needs: string[] = []): AwsBackend[] {
  const missingNeeds = needs.filter((b) => !haveBinary(b));
  const external = process.env.AWS_ENDPOINT_URL;
  const all: { backend: Omit<AwsBackend, 'skip'>; missing: string[] }[] = external
    ? [{ backend: { name: 'AWS_ENDPOINT_URL', start: async () => ({ url: external, stop: async () => undefined }) }, missing: missingNeeds }]
    : [
        { backend: { name: 'moto', start: () => startMoto() }, missing: [...missingNeeds, ...(haveBinary('moto_server') ? [] : ['moto_server (pip install "moto[server]")'])] },
        { backend: { name: 'localstack', start: (opts) => startLocalStack(opts) }, missing: [...missingNeeds, ...(haveLocalStack() ? [] : [`LocalStack (${LOCALSTACK_INSTALL})`])] },
      ];
  return all.map(({ backend, missing }) => {
    if (missing.length && process.env.CI === 'true') throw new Error(`${backend.name} tests: required under CI=true: ${missing.join(', ')}`);
    return { ...backend, skip: missing.length ? `missing: ${missing.join(', ')}` : false };
  });
}
