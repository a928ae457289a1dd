import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Lets a function read exactly the secrets gateway.yaml references, nothing else:
 *   secretsmanager:<full ARN>[#key]  secretsmanager:GetSecretValue on that ARN
 *   secretsmanager:<name>[#key]      on `secret:<name>-??????` in the stack's account and region (Secrets
 *                                    Manager appends six random characters to every secret's ARN)
 *   ssm:/a/b                         ssm:GetParameter on `parameter/a/b`
 * env: and file: references need no grant. Secrets encrypted with a customer managed KMS key also need
 * kms:Decrypt on that key (the AWS managed keys aws/secretsmanager and aws/ssm need nothing).
 */
export function grantSecretReads(fn: lambda.IFunction, refs: readonly string[]): void {
  const stack = Stack.of(fn);
  const secrets = new Set<string>();
  const params = new Set<string>();
  for (const ref of refs) {
    if (ref.startsWith('secretsmanager:')) {
      const rest = ref.slice('secretsmanager:'.length);
      const hash = rest.lastIndexOf('#');
      const id = hash < 0 ? rest : rest.slice(0, hash);
      secrets.add(id.startsWith('arn:') ? completeArn(id) : stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${id}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    } else if (ref.startsWith('ssm:/')) {
      params.add(stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: ref.slice('ssm:/'.length), arnFormat: ArnFormat.SLASH_RESOURCE_NAME }));
    }
  }
  if (secrets.size) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [...secrets].sort() }));
  if (params.size) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [...params].sort() }));
}

/** A full secret ARN ends in `-` and six characters; a partial one (no suffix) matches any suffix. */
function completeArn(arn: string): string {
  const name = Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '';
  return /-[A-Za-z0-9]{6}$/.test(name) ? arn : `${arn}-??????`;
}
