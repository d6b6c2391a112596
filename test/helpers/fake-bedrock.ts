/**
 * A fake Bedrock Runtime speaking the Converse API's REST wire format (restJson1): `POST /model/{modelId}/converse`
 * with a JSON body (`messages`, `system`, `inferenceConfig`, `toolConfig`), answered with
 * `{output: {message: {role, content: [{toolUse: {toolUseId, name, input}} | {text}]}}, stopReason, usage, metrics}`.
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * The real BedrockRuntimeClient is pointed at it with `endpoint`. By default it answers with the forced tool's call
 * (the request's `toolChoice.tool.name`) and `{}` as its input.
 */
import { FakeAwsService, jsonReply, type SeenRequest } from './fake-aws-service.ts';

export interface ConverseAnswer {
  /** The forced tool's input (a toolUse block); absent: no toolUse block. */
  toolInput?: unknown;
  /** A text block (before the toolUse, or alone). */
  text?: string;
  inputTokens?: number;
  outputTokens?: number;
  stopReason?: string;
}

export type FakeBedrock = FakeAwsService<ConverseAnswer>;

/** The model id a Converse request was sent for (decoded from its path), or undefined for another path. */
export function converseModelId(request: SeenRequest): string | undefined {
  const match = /^\/model\/([^/]+)\/converse$/.exec(request.path);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

export async function startFakeBedrock(): Promise<FakeBedrock> {
  return new FakeAwsService<ConverseAnswer>((request, answer) => {
    if (request.method !== 'POST' || !converseModelId(request)) {
      return { status: 404, code: 'UnknownOperationException', message: `no route for ${request.method} ${request.path}` };
    }
    const toolName = (request.body.toolConfig as { toolChoice?: { tool?: { name?: string } } } | undefined)?.toolChoice?.tool?.name;
    const reply: ConverseAnswer = answer ?? { toolInput: {} };
    const content: unknown[] = [];
    if (reply.text !== undefined) content.push({ text: reply.text });
    if ('toolInput' in reply) content.push({ toolUse: { toolUseId: `tooluse_${Date.now()}`, name: toolName ?? 'tool', input: reply.toolInput } });
    const inputTokens = reply.inputTokens ?? 100;
    const outputTokens = reply.outputTokens ?? 50;
    return jsonReply({
      output: { message: { role: 'assistant', content } },
      stopReason: reply.stopReason ?? ('toolInput' in reply ? 'tool_use' : 'end_turn'),
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
      metrics: { latencyMs: 5 },
    });
  }, 'h2c').start();
}
