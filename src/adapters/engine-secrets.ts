/**
 * The engines' API keys, read through Powertools parameters (cached for five minutes, so a warm generator asks once
 * and a rotated key is picked up soon after). A reference names where the key lives:
 *   - `ssm:<parameter name>`: an SSM Parameter Store parameter (a SecureString is decrypted);
 *   - `file:<absolute path>`: a file holding the key (the local stack and tests; never on AWS);
 *   - anything else: a Secrets Manager secret id or ARN.
 * An empty reference is "no key configured". A key is never logged and never part of an error message: errors name
 * the reference and what went wrong. A reference that looks like a key itself (an operator who set
 * OPENAI_API_KEY_SECRET_ID to `sk-…`) is refused before any request, without being repeated: it would otherwise be sent
 * to Secrets Manager as a secret id (and land in CloudTrail) and be quoted in the "does not exist" error.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { ConfigError, DownstreamError, errorMessage } from '../core/errors.ts';

/** How long a key read from AWS is reused. */
export const SECRET_MAX_AGE_SECONDS = 300;

export interface SecretReader {
  /**
   * The key `reference` names, trimmed. Throws ConfigError (permanent) when the reference is empty, the secret or
   * parameter does not exist or is empty, naming `purpose` ("the OpenAI API key") and the reference; DownstreamError
   * (transient) when the store could not be reached.
   */
  read(reference: string, purpose: string): Promise<string>;
}

export interface SecretReaderOptions {
  /** Clients to use (tests point them at loopback servers); default: clients of the function's region. */
  secretsManager?: SecretsManagerClient;
  ssm?: SSMClient;
}

/** Reads keys from Secrets Manager, SSM Parameter Store or local files. Providers are made on first use. */
export function createSecretReader(options: SecretReaderOptions = {}): SecretReader {
  let secrets: SecretsProvider | undefined;
  let parameters: SSMProvider | undefined;
  const fromAws = async (reference: string, purpose: string, get: () => Promise<unknown>): Promise<string> => {
    let value: unknown;
    try {
      value = await get();
    } catch (error) {
      const name = (error as { name?: string; cause?: { name?: string } })?.cause?.name ?? (error as { name?: string })?.name ?? '';
      if (/NotFound|ParameterNotFound|ResourceNotFound/.test(name) || /not found|can't find/i.test(errorMessage(error))) {
        throw new ConfigError(`${purpose}: ${reference} does not exist`, error);
      }
      if (/AccessDenied|AccessDeniedException|UnrecognizedClient/.test(name)) {
        throw new ConfigError(`${purpose}: this function may not read ${reference} (${name})`, error);
      }
      throw new DownstreamError(`${purpose}: could not read ${reference} (${name || 'network error'})`, { cause: error });
    }
    return checked(value, reference, purpose);
  };
  return {
    async read(reference, purpose) {
      const ref = reference.trim();
      if (!ref) throw new ConfigError(`${purpose} is not configured`);
      if (ref.startsWith('file:')) {
        const path = ref.slice('file:'.length);
        if (!isAbsolute(path)) throw new ConfigError(`${purpose}: ${ref} is not an absolute path`);
        let text: string;
        try {
          text = await readFile(path, 'utf8');
        } catch (error) {
          throw new ConfigError(`${purpose}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
        }
        return checked(text, ref, purpose);
      }
      if (looksLikeAKey(ref)) {
        throw new ConfigError(`${purpose}: the configured reference looks like an API key, not where one is kept; store the key in Secrets Manager or SSM Parameter Store and configure its id, ARN or ssm:<name>`);
      }
      if (ref.startsWith('ssm:')) {
        const name = ref.slice('ssm:'.length).trim();
        if (!name) throw new ConfigError(`${purpose}: ${ref} names no parameter`);
        parameters ??= new SSMProvider(options.ssm ? { awsSdkV3Client: options.ssm } : {});
        return fromAws(ref, purpose, () => parameters!.get(name, { decrypt: true, maxAge: SECRET_MAX_AGE_SECONDS }));
      }
      secrets ??= new SecretsProvider(options.secretsManager ? { awsSdkV3Client: options.secretsManager } : {});
      return fromAws(ref, purpose, () => secrets!.get(ref, { maxAge: SECRET_MAX_AGE_SECONDS }));
    },
  };
}

function checked(value: unknown, reference: string, purpose: string): string {
  const text = typeof value === 'string' ? value.trim() : value instanceof Uint8Array ? new TextDecoder().decode(value).trim() : '';
  if (!text) throw new ConfigError(`${purpose}: ${reference} holds no value`);
  return text;
}

/**
 * Whether a reference is more likely a key than a secret's name: a vendor key prefix (OpenAI `sk-`, ElevenLabs `sk_`,
 * Google `AIza`), or a long token with none of the separators secret names, ARNs and paths have.
 */
function looksLikeAKey(reference: string): boolean {
  if (reference.startsWith('file:') || reference.startsWith('arn:')) return false;
  const name = reference.startsWith('ssm:') ? reference.slice('ssm:'.length) : reference;
  return /^(sk-|sk_|AIza)/.test(name) || /^[A-Za-z0-9_]{32,}$/.test(name);
}
