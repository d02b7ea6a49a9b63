/**
 * A scripted Anthropic Messages API for Claude Code (ANTHROPIC_BASE_URL). The agent's main
 * conversation (a request that offers tools) gets the script's turns, streamed the way the
 * API streams them: message_start, content_block_start / content_block_delta (text_delta or
 * input_json_delta) / content_block_stop, message_delta with the stop reason, message_stop.
 * The turn is chosen by how many assistant turns the conversation already holds, so a retried
 * request gets the same answer. Side requests (a request without tools, such as a title or a
 * quota probe, and count_tokens) get a short harmless answer.
 */
import type * as http from 'node:http';
import {
  nextId,
  sendJson,
  sendSse,
  startModelServer,
  turnAt,
  type ListenOptions,
  type LoggedRequest,
  type ModelServer,
  type PlayedTurn,
  type ScriptTurn,
  type ToolResult,
} from './scriptedServer';

interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | { type: string; [k: string]: unknown }[];
}

interface MessagesRequest {
  model?: string;
  stream?: boolean;
  messages?: AnthropicMessage[];
  tools?: { name?: string }[];
}

/** Its tool results always carry `isError` (the API's is_error). */
export type AnthropicServer = ModelServer<MessagesRequest>;

function isMain(req: LoggedRequest): boolean {
  const body = req.body as MessagesRequest | undefined;
  return (
    req.path.startsWith('/v1/messages') &&
    !req.path.startsWith('/v1/messages/count_tokens') &&
    Array.isArray(body?.tools) &&
    body.tools.length > 0
  );
}

function assistantTurns(body: MessagesRequest): number {
  return (body.messages ?? []).filter((m) => m.role === 'assistant').length;
}

function usage() {
  return { input_tokens: 12, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

/** The content block and stop reason of one turn. */
function blockOf(turn: PlayedTurn): { block: Record<string, unknown>; stopReason: 'tool_use' | 'end_turn' } {
  if ('tool' in turn)
    return { block: { type: 'tool_use', id: nextId('toolu'), name: turn.tool, input: turn.input }, stopReason: 'tool_use' };
  return { block: { type: 'text', text: turn.text }, stopReason: 'end_turn' };
}

function answer(res: http.ServerResponse, body: MessagesRequest, turn: PlayedTurn): void {
  const { block, stopReason } = blockOf(turn);
  const model = body.model ?? 'claude-scripted';
  const id = nextId('msg');
  if (!body.stream) {
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [block],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: usage(),
    });
    return;
  }
  const start = block.type === 'tool_use' ? { type: 'tool_use', id: block.id, name: block.name, input: {} } : { type: 'text', text: '' };
  const delta =
    block.type === 'tool_use'
      ? { type: 'input_json_delta', partial_json: JSON.stringify(block.input) }
      : { type: 'text_delta', text: block.text };
  sendSse(res, [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: usage() },
      },
    },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: start } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta } },
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    {
      event: 'message_delta',
      data: { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 8 } },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ]);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((c) => (c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : ''))
      .join('\n');
  return '';
}

/** Tool results sit in the user messages, as tool_result blocks. */
function toolResultsOf(body: MessagesRequest): ToolResult[] {
  const out: ToolResult[] = [];
  for (const m of body.messages ?? []) {
    if (m.role !== 'user' || !Array.isArray(m.content)) continue;
    for (const c of m.content) {
      if (c.type === 'tool_result') out.push({ callId: String(c.tool_use_id), text: textOf(c.content), isError: c.is_error === true });
    }
  }
  return out;
}

export function startAnthropicServer(script: readonly ScriptTurn[], listen: ListenOptions = {}): Promise<AnthropicServer> {
  return startModelServer<MessagesRequest>(
    {
      route(req, res) {
        if (req.path.startsWith('/v1/messages/count_tokens')) return sendJson(res, 200, { input_tokens: 12 });
        if (req.method === 'POST' && req.path.startsWith('/v1/messages')) {
          const body = (req.body ?? {}) as MessagesRequest;
          return answer(res, body, isMain(req) ? turnAt(script, assistantTurns(body), toolResultsOf(body)) : { text: 'ok' });
        }
        // Anything else Claude Code may probe (a health or settings endpoint): an empty success.
        return sendJson(res, 200, {});
      },
      isMain,
      toolNames: (body) => (body.tools ?? []).map((t) => t.name ?? '?'),
      toolResults: toolResultsOf,
    },
    listen,
  );
}
