/**
 * A scripted OpenAI Chat Completions API for GitHub Copilot CLI with its own model provider
 * (COPILOT_PROVIDER_BASE_URL, wire API "completions"). Each POST /chat/completions of the
 * agent's conversation (a request that offers tools) is answered with the script's next turn;
 * streamed as Server-Sent Events when asked (`data:` chunks: the assistant delta with one tool
 * call or the text, the finish reason, usage, then `data: [DONE]`), as one JSON completion
 * otherwise. The turn is chosen by how many tool calls the request's messages already hold,
 * so a retried request gets the same answer. Side requests without tools (a session title,
 * say) get a short harmless text; a models list gets one model.
 */
import type * as http from 'node:http';
import {
  nextId,
  sendJson,
  startModelServer,
  turnAt,
  type LoggedRequest,
  type ModelServer,
  type PlayedTurn,
  type ScriptTurn,
  type ToolResult,
} from './scriptedServer';

interface ChatMessage {
  role?: string;
  content?: unknown;
  tool_call_id?: string;
  tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[];
}

interface ChatRequest {
  model?: string;
  stream?: boolean;
  messages?: ChatMessage[];
  tools?: { type?: string; function?: { name?: string } }[];
}

/** Its tool results are the `tool` messages; the wire has no mark for a failed call. */
export type ChatCompletionsServer = ModelServer<ChatRequest>;

const isCompletions = (req: LoggedRequest) => req.method === 'POST' && /\/chat\/completions$/.test(req.path.split('?')[0]!);

function isMain(req: LoggedRequest): boolean {
  const body = req.body as ChatRequest | undefined;
  return isCompletions(req) && Array.isArray(body?.tools) && body.tools.length > 0;
}

function doneTurns(body: ChatRequest): number {
  return (body.messages ?? []).reduce((n, m) => n + (m.role === 'assistant' && Array.isArray(m.tool_calls) ? m.tool_calls.length : 0), 0);
}

function answer(res: http.ServerResponse, body: ChatRequest, turn: PlayedTurn): void {
  const id = nextId('chatcmpl');
  const base = { id, created: Math.floor(Date.now() / 1000), model: body.model ?? 'gpt-scripted', system_fingerprint: 'scripted' };
  const usage = { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 };
  const call =
    'tool' in turn
      ? { id: nextId('call'), type: 'function', function: { name: turn.tool, arguments: JSON.stringify(turn.input) } }
      : undefined;
  const finish = call ? 'tool_calls' : 'stop';
  if (!body.stream) {
    const message = call
      ? { role: 'assistant', content: null, tool_calls: [call] }
      : { role: 'assistant', content: 'text' in turn ? turn.text : '' };
    return sendJson(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }], usage });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
  const delta = call
    ? { role: 'assistant', content: null, tool_calls: [{ index: 0, ...call }] }
    : { role: 'assistant', content: 'text' in turn ? turn.text : '' };
  chunk([{ index: 0, delta, finish_reason: null }]);
  chunk([{ index: 0, delta: {}, finish_reason: finish }]);
  chunk([], { usage });
  res.write('data: [DONE]\n\n');
  res.end();
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((c) => (c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : ''))
      .join('\n');
  return JSON.stringify(content ?? '');
}

function toolResultsOf(body: ChatRequest): ToolResult[] {
  return (body.messages ?? []).filter((m) => m.role === 'tool').map((m) => ({ callId: String(m.tool_call_id), text: textOf(m.content) }));
}

export function startChatCompletionsServer(script: readonly ScriptTurn[]): Promise<ChatCompletionsServer> {
  return startModelServer<ChatRequest>({
    route(req, res) {
      if (isCompletions(req)) {
        const body = (req.body ?? {}) as ChatRequest;
        return answer(res, body, isMain(req) ? turnAt(script, doneTurns(body), toolResultsOf(body)) : { text: 'ok' });
      }
      if (req.method === 'GET' && /\/models$/.test(req.path.split('?')[0]!)) {
        return sendJson(res, 200, { object: 'list', data: [{ id: 'gpt-4.1', object: 'model', created: 0, owned_by: 'scripted' }] });
      }
      return sendJson(res, 200, {});
    },
    isMain,
    toolNames: (body) => (body.tools ?? []).map((t) => t.function?.name ?? t.type ?? '?'),
    toolResults: toolResultsOf,
  });
}
