/**
 * Fakes of the two stores API keys are read from, speaking their JSON protocol (awsJson1_1: `POST /`, the operation in
 * `X-Amz-Target`, `Content-Type: application/x-amz-json-1.1`), for the real SDK clients pointed at them:
 *   - Secrets Manager `secretsmanager.GetSecretValue` `{SecretId}` → `{ARN, Name, SecretString | SecretBinary, …}`,
 *     an unknown id → 400 ResourceNotFoundException;
 *     https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 *   - SSM `AmazonSSM.GetParameter` `{Name, WithDecryption}` → `{Parameter: {Name, Type, Value, Version, ARN, …}}`,
 *     an unknown name → 400 ParameterNotFound.
 *     https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
 * Other targets answer 400 UnknownOperationException. `deny` makes a name answer 400 AccessDeniedException.
 */
import { FakeAwsService, jsonReply, type SeenRequest } from './fake-aws-service.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export type FakeSecretStore = FakeAwsService<never>;

/** The operation a request asked for (`secretsmanager.GetSecretValue`). */
export function targetOf(request: SeenRequest): string {
  return String(request.headers['x-amz-target'] ?? '');
}

export interface StoreContents {
  /** Name to value; a Uint8Array is a binary secret. */
  values: Record<string, string | Uint8Array>;
  /** Names this caller may not read. */
  deny?: string[];
}

export async function startFakeSecretsManager(contents: StoreContents): Promise<FakeSecretStore> {
  return new FakeAwsService<never>((request) => {
    if (targetOf(request) !== 'secretsmanager.GetSecretValue') return { status: 400, code: 'UnknownOperationException', message: targetOf(request) };
    const id = String(request.body.SecretId ?? '');
    const name = id.startsWith('arn:') ? id.split(':secret:')[1]!.replace(/-[A-Za-z0-9]{6}$/, '') : id;
    if (contents.deny?.includes(name)) {
      return { status: 400, code: 'AccessDeniedException', message: `User is not authorized to perform: secretsmanager:GetSecretValue on resource: ${id}` };
    }
    const value = contents.values[name];
    if (value === undefined) return { status: 400, code: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." };
    return jsonReply(
      {
        ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`,
        Name: name,
        VersionId: '11111111-2222-3333-4444-555555555555',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_700_000_000,
        ...(typeof value === 'string' ? { SecretString: value } : { SecretBinary: Buffer.from(value).toString('base64') }),
      },
      200,
      { 'content-type': 'application/x-amz-json-1.1' },
    );
  }).start();
}

export async function startFakeSsm(contents: StoreContents): Promise<FakeSecretStore> {
  return new FakeAwsService<never>((request) => {
    if (targetOf(request) !== 'AmazonSSM.GetParameter') return { status: 400, code: 'UnknownOperationException', message: targetOf(request) };
    const name = String(request.body.Name ?? '');
    if (contents.deny?.includes(name)) {
      return { status: 400, code: 'AccessDeniedException', message: `User is not authorized to perform: ssm:GetParameter on resource: ${name}` };
    }
    const value = contents.values[name];
    // SSM's ParameterNotFound carries no message: the SDK's error then says only its name.
    if (value === undefined) return { status: 400, code: 'ParameterNotFound', message: '' };
    return jsonReply(
      {
        Parameter: {
          Name: name,
          Type: request.body.WithDecryption ? 'SecureString' : 'String',
          Value: typeof value === 'string' ? value : Buffer.from(value).toString('utf8'),
          Version: 1,
          LastModifiedDate: 1_700_000_000,
          ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
          DataType: 'text',
        },
      },
      200,
      { 'content-type': 'application/x-amz-json-1.1' },
    );
  }).start();
}
