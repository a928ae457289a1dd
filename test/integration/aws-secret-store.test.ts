import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsSecretStore, parseSecretsManagerRef } from '../../lib/adapters/secrets/aws-secret-store.ts';
import { createLazyAwsSecretStore } from '../../lib/adapters/secrets/lazy-aws-secret-store.ts';
import { LocalSecretStore } from '../../lib/adapters/secrets/local-secret-store.ts';
import { useFakeAwsCredentials } from '../helpers/services.ts';
import { awsBackends, type AwsEndpoint } from '../helpers/aws-backends.ts';

/** The Secrets Manager / SSM secret store against moto server and LocalStack (or only AWS_ENDPOINT_URL when set). */
for (const backend of awsBackends()) describe(`AwsSecretStore against an AWS endpoint (${backend.name})`, { skip: backend.skip }, () => {
  let aws: AwsEndpoint | undefined;
  let endpoint: string;
  const id = randomBytes(4).toString('hex');
  let arn: string;

  before(async () => {
    useFakeAwsCredentials();
    aws = await backend.start();
    endpoint = aws.url;
    const region = process.env.AWS_REGION!;
    const sm = new SecretsManagerClient({ endpoint, region });
    const ssm = new SSMClient({ endpoint, region });
    arn = (await sm.send(new CreateSecretCommand({ Name: `gw/${id}/plain`, SecretString: 'plain-token' }))).ARN!;
    await sm.send(new CreateSecretCommand({ Name: `gw/${id}/json`, SecretString: JSON.stringify({ token: 'json-token', n: 1 }) }));
    await ssm.send(new PutParameterCommand({ Name: `/gw/${id}/secure`, Value: 'ssm-secret', Type: 'SecureString' }));
    await ssm.send(new PutParameterCommand({ Name: `/gw/${id}/plain`, Value: 'ssm-plain', Type: 'String' }));
  });
  after(async () => aws?.stop());

  const store = () => new AwsSecretStore({ endpoint, region: process.env.AWS_REGION! });

  it('reads Secrets Manager by name and by ARN, a JSON key, and SSM parameters (SecureString decrypted)', async () => {
    const s = store();
    assert.equal(await s.get(`secretsmanager:gw/${id}/plain`), 'plain-token');
    assert.equal(await s.get(`secretsmanager:${arn}`), 'plain-token');
    assert.equal(await s.get(`secretsmanager:gw/${id}/json#token`), 'json-token');
    assert.equal(await s.get(`ssm:/gw/${id}/secure`), 'ssm-secret');
    assert.equal(await s.get(`ssm:/gw/${id}/plain`), 'ssm-plain');
  });

  const bad: { name: string; ref: () => string; want: RegExp }[] = [
    { name: 'a missing secret', ref: () => `secretsmanager:gw/${id}/nope`, want: /^secret secretsmanager:gw\/\w+\/nope: cannot read from Secrets Manager: ResourceNotFoundException$/ },
    { name: 'a missing JSON key', ref: () => `secretsmanager:gw/${id}/json#nope`, want: /JSON key "nope" is missing or not a string$/ },
    { name: 'a JSON key that is not a string', ref: () => `secretsmanager:gw/${id}/json#n`, want: /JSON key "n" is missing or not a string$/ },
    { name: 'a JSON key of a plain secret', ref: () => `secretsmanager:gw/${id}/plain#token`, want: /is not a JSON object, so #token cannot be read from it$/ },
    { name: 'a missing parameter', ref: () => `ssm:/gw/${id}/nope`, want: /^secret ssm:\/gw\/\w+\/nope: cannot read from SSM Parameter Store: ParameterNotFound$/ },
    { name: 'an env: reference (not this store)', ref: () => 'env:X', want: /unsupported reference/ },
  ];
  for (const c of bad) {
    it(`names the reference, never a value: ${c.name}`, async () => {
      await assert.rejects(store().get(c.ref()), (err: Error) => {
        assert.match(err.message, c.want);
        assert.ok(!/plain-token|json-token|ssm-secret/.test(err.message));
        return true;
      });
    });
  }

  it('composes behind LocalSecretStore as the Lambda wiring does (env:, file: local; the rest AWS), caching values', async () => {
    const s = new LocalSecretStore({ TOKEN: 'from-env' }, createLazyAwsSecretStore({ endpoint, region: process.env.AWS_REGION! }));
    assert.equal(await s.get('env:TOKEN'), 'from-env');
    assert.equal(await s.get(`ssm:/gw/${id}/secure`), 'ssm-secret');
    const first = s.get(`secretsmanager:gw/${id}/plain`);
    assert.equal(s.get(`secretsmanager:gw/${id}/plain`), first, 'one read per reference');
  });

  it('splits a secretsmanager reference at the last #', () => {
    assert.deepEqual(parseSecretsManagerRef('secretsmanager:arn:aws:secretsmanager:us-east-1:1:secret:a-1#k'), { id: 'arn:aws:secretsmanager:us-east-1:1:secret:a-1', key: 'k' });
    assert.deepEqual(parseSecretsManagerRef('secretsmanager:name'), { id: 'name', key: undefined });
  });
});
