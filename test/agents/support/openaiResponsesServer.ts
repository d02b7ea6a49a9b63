/**
 * A scripted OpenAI Responses API for `codex exec` (a model provider with
 * `wire_api = "responses"`). Each POST /responses is answered with the script's next turn as
 * a Server-Sent Events stream: response.created, response.output_item.added and
 * response.output_item.done for the one output item (a function_call or an assistant
 * message, or a custom tool call for a freeform turn), response.completed with usage. The turn is chosen by how many function calls the
 * request's input already holds, so a retried request gets the same answer. Anything else
 * (a models list, a side request without tools) gets a short harmless answer.
 */
import type * as http from 'node:http';
import {
  nextId,
  sendJson,
  sendSse,
  startModelServer,
  turnAt,
  type LoggedRequest,
  type ModelServer,
  type PlayedTurn,
  type ScriptTurn,
  type ToolResult,
} from './scriptedServer';

interface ResponsesItem {
  type?: string;
  call_id?: string;
  output?: unknown;
  name?: string;
  arguments?: string;
  [k: string]: unknown;
}

interface ResponsesRequest {
  model?: string;
  input?: ResponsesItem[];
  tools?: { type?: string; name?: string }[];
}

/** Its tool results are the function (and custom tool) call outputs; the wire has no mark for a failed call. */
export type OpenAiResponsesServer = ModelServer<ResponsesRequest>;

function isMain(req: LoggedRequest): boolean {
  const body = req.body as ResponsesRequest | undefined;
  return req.method === 'POST' && /\/responses$/.test(req.path.split('?')[0]!) && Array.isArray(body?.tools) && body.tools.length > 0;
}

function doneTurns(body: ResponsesRequest): number {
  return (body.input ?? []).filter((i) => i.type === 'function_call' || i.type === 'custom_tool_call' || i.type === 'local_shell_call')
    .length;
}

function itemOf(turn: PlayedTurn): Record<string, unknown> {
  if ('tool' in turn && turn.freeform !== undefined) {
    return {
      type: 'custom_tool_call',
      id: nextId('ctc'),
      call_id: nextId('call'),
      name: turn.tool,
      input: turn.freeform,
      status: 'completed',
    };
  }
  if ('tool' in turn) {
    // `NAMESPACE/NAME` calls a tool of a namespace (Codex offers each MCP server's tools as one).
    const slash = turn.tool.indexOf('/');
    const name = slash === -1 ? { name: turn.tool } : { namespace: turn.tool.slice(0, slash), name: turn.tool.slice(slash + 1) };
    return {
      type: 'function_call',
      id: nextId('fc'),
      call_id: nextId('call'),
      ...name,
      arguments: JSON.stringify(turn.input),
      status: 'completed',
    };
  }
  return {
    type: 'message',
    id: nextId('msg'),
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: turn.text, annotations: [] }],
  };
}

function answer(res: http.ServerResponse, body: ResponsesRequest, turn: PlayedTurn): void {
  const id = nextId('resp');
  const model = body.model ?? 'gpt-scripted';
  const item = itemOf(turn);
  const base = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model };
  const usage = {
    input_tokens: 12,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 8,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 20,
  };
  sendSse(res, [
    { event: 'response.created', data: { type: 'response.created', response: { ...base, status: 'in_progress', output: [] } } },
    {
      event: 'response.output_item.added',
      data: { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress' } },
    },
    { event: 'response.output_item.done', data: { type: 'response.output_item.done', output_index: 0, item } },
    {
      event: 'response.completed',
      data: { type: 'response.completed', response: { ...base, status: 'completed', output: [item], usage } },
    },
  ]);
}

function textOf(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output))
    return output
      .map((c) => (c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : ''))
      .join('\n');
  if (output && typeof output === 'object' && typeof (output as { content?: unknown }).content === 'string')
    return (output as { content: string }).content;
  return JSON.stringify(output ?? '');
}

function toolResultsOf(body: ResponsesRequest): ToolResult[] {
  return (body.input ?? [])
    .filter((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output')
    .map((i) => ({ callId: String(i.call_id), text: textOf(i.output) }));
}

export function startOpenAiResponsesServer(script: readonly ScriptTurn[]): Promise<OpenAiResponsesServer> {
  return startModelServer<ResponsesRequest>({
    route(req, res) {
      if (req.method === 'POST' && /\/responses$/.test(req.path.split('?')[0]!)) {
        const body = (req.body ?? {}) as ResponsesRequest;
        return answer(res, body, isMain(req) ? turnAt(script, doneTurns(body), toolResultsOf(body)) : { text: 'ok' });
      }
      if (req.method === 'GET' && /\/models$/.test(req.path.split('?')[0]!))
        return sendJson(res, 200, { object: 'list', data: [], models: [] });
      return sendJson(res, 200, {});
    },
    isMain,
    toolNames: (body) => (body.tools ?? []).map((t) => t.name ?? t.type ?? '?'),
    toolResults: toolResultsOf,
  });
}
