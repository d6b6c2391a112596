/**
 * LanguageModel over Amazon Bedrock Runtime's Converse API: IAM only (the function's role, no key), any model that
 * supports tool use. Structured output by a forced tool: the request declares one tool whose input schema is the
 * answer's JSON Schema and forces it (`toolChoice: {tool: {name}}`), so the model answers with a toolUse block whose
 * `input` is the answer; it is serialised back to JSON text for the writer's validation. A model that answers in text
 * instead has its text returned as it is, for the writer's validation to name.
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html (toolChoice)
 *
 * Errors (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors),
 * each a DownstreamError naming the model: a refused role, an invalid request, an unknown model, a model that is not
 * ready or an exhausted quota are permanent; throttling, an unavailable service, an internal error and a model timeout
 * are transient, once the client's own retries (createBedrockRuntimeClient: standard mode, 4 attempts) are spent. The
 * SDK retries throttling and 5xx, not a model timeout (408): that is left to the message's next delivery.
 *
 * The SDK's Bedrock Runtime client speaks HTTP/2 (its bidirectional streams need it), also to a plain `http://`
 * endpoint, so a local fake must serve HTTP/2 cleartext (test/helpers/fake-bedrock.ts does).
 */
import { BedrockRuntimeClient, ConverseCommand, type BedrockRuntimeClientConfig, type ContentBlock, type ConverseCommandInput, type Message } from '@aws-sdk/client-bedrock-runtime';
import { DownstreamError, errorMessage, isRetryable } from '../core/errors.ts';
import type { LanguageModel, ModelAnswer, ModelRequest } from '../core/ports.ts';

/** Attempts per Converse call, the first included (the SDK's retries of throttling, 5xx and timeouts). */
export const BEDROCK_MAX_ATTEMPTS = 4;
/** How long one Converse call may take: a long script segment takes a minute or more. */
export const BEDROCK_REQUEST_TIMEOUT_MS = 240_000;

/**
 * A Bedrock Runtime client of the function's region; the SDK reads AWS_ENDPOINT_URL_BEDROCK_RUNTIME (local stack,
 * tests). `overrides`: tests' endpoint and credentials.
 */
export function createBedrockRuntimeClient(overrides: BedrockRuntimeClientConfig = {}): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    maxAttempts: BEDROCK_MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: { requestTimeout: BEDROCK_REQUEST_TIMEOUT_MS },
    ...overrides,
  });
}

/** On-demand prices, USD per million tokens (https://aws.amazon.com/bedrock/pricing/, us-east-1), by model id prefix. */
const PRICING: Array<[RegExp, { inputPerMillion: number; outputPerMillion: number }]> = [
  [/^amazon\.nova-micro-v1/, { inputPerMillion: 0.035, outputPerMillion: 0.14 }],
  [/^amazon\.nova-lite-v1/, { inputPerMillion: 0.06, outputPerMillion: 0.24 }],
  [/^amazon\.nova-pro-v1/, { inputPerMillion: 0.8, outputPerMillion: 3.2 }],
  [/^anthropic\.claude-3-haiku-/, { inputPerMillion: 0.25, outputPerMillion: 1.25 }],
  [/^anthropic\.claude-3-5-haiku-/, { inputPerMillion: 0.8, outputPerMillion: 4 }],
  [/^anthropic\.claude-haiku-4-5-/, { inputPerMillion: 1, outputPerMillion: 5 }],
  [/^anthropic\.claude-(3-5-sonnet|3-7-sonnet|sonnet-4)/, { inputPerMillion: 3, outputPerMillion: 15 }],
];

/** Prefixes of cross-region inference profile ids (`us.anthropic.claude-…`): the model behind them is priced the same. */
const PROFILE_PREFIX = /^(us|eu|apac|us-gov|ca|jp|au|global)\./;

/** The estimated price of a model or inference profile id, when it is one of the models priced here. */
export function bedrockPricing(modelId: string): LanguageModel['pricing'] {
  const base = modelId.replace(PROFILE_PREFIX, '');
  return PRICING.find(([pattern]) => pattern.test(base))?.[1];
}

/** Errors that are the request's or the account's, the same on every attempt. */
const PERMANENT = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ValidationException',
  'ResourceNotFoundException',
  'ModelNotReadyException',
  'ServiceQuotaExceededException',
]);
/** Errors worth another delivery once the client's retries are spent. */
const TRANSIENT = new Set(['ThrottlingException', 'ServiceUnavailableException', 'InternalServerException', 'ModelTimeoutException']);

export interface BedrockModelOptions {
  client: BedrockRuntimeClient;
  /** A foundation model id (`amazon.nova-lite-v1:0`), an inference profile id (`us.anthropic.…`) or an ARN. */
  modelId: string;
}

export class BedrockLanguageModel implements LanguageModel {
  readonly name: string;
  readonly pricing: LanguageModel['pricing'];
  private readonly client: BedrockRuntimeClient;
  private readonly modelId: string;

  constructor(options: BedrockModelOptions) {
    this.client = options.client;
    this.modelId = options.modelId;
    this.name = `bedrock ${options.modelId}`;
    this.pricing = bedrockPricing(options.modelId);
  }

  async generate(request: ModelRequest): Promise<ModelAnswer> {
    const input: ConverseCommandInput = {
      modelId: this.modelId,
      system: [{ text: request.system }],
      messages: request.messages.map((m): Message => ({ role: m.role, content: [{ text: m.text }] })),
      inferenceConfig: { temperature: request.temperature, maxTokens: request.maxOutputTokens },
      toolConfig: {
        tools: [{ toolSpec: { name: request.schemaName, description: `Answer with the ${request.schemaName}.`, inputSchema: { json: request.schema as never } } }],
        toolChoice: { tool: { name: request.schemaName } },
      },
    };
    let output;
    try {
      output = await this.client.send(new ConverseCommand(input));
    } catch (error) {
      throw this.failure(error);
    }
    const content = output.output?.message?.content ?? [];
    return {
      text: answerText(content, request.schemaName),
      inputTokens: output.usage?.inputTokens ?? 0,
      outputTokens: output.usage?.outputTokens ?? 0,
      ...(output.stopReason === undefined ? {} : { stopReason: output.stopReason }),
    };
  }

  private failure(error: unknown): DownstreamError {
    const name = (error as { name?: string })?.name ?? '';
    const retryable = PERMANENT.has(name) ? false : TRANSIENT.has(name) ? true : isRetryable(error);
    const what = retryable ? 'failed' : 'refused the request';
    return new DownstreamError(`Bedrock model ${this.modelId} ${what}: ${errorMessage(error)}`, { retryable, cause: error });
  }
}

/** The forced tool's input as JSON text, else the text the model wrote instead. */
function answerText(content: ContentBlock[], toolName: string): string {
  const uses = content.flatMap((block) => (block.toolUse ? [block.toolUse] : []));
  const use = uses.find((u) => u.name === toolName) ?? uses[0];
  if (use) return JSON.stringify(use.input ?? null);
  return content.flatMap((block) => (block.text === undefined ? [] : [block.text])).join('');
}
