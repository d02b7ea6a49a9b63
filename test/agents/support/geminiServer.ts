/**
 * A scripted Gemini API (generativelanguage `v1beta`) for Gemini CLI (GOOGLE_GEMINI_BASE_URL
 * with GEMINI_API_KEY). The agent's main conversation (a request that offers function
 * declarations) gets the script's turns: `models/M:streamGenerateContent?alt=sse` as
 * Server-Sent Events of one GenerateContentResponse (data lines only, as the API sends them),
 * `models/M:generateContent` as one JSON response. A turn is a `functionCall` part or a
 * text part. The turn is chosen by how many model function calls the conversation already
 * holds, so a retried request gets the same answer. Side requests (no tools: the model
 * router's classifier, the next-speaker check, a summary) get a short text; countTokens a
 * small count; a models listing an empty list.
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

interface GeminiPart {
  text?: string;
  functionCall?: { id?: string; name?: string; args?: Record<string, unknown> };
  functionResponse?: { id?: string; name?: string; response?: Record<string, unknown> };
  [k: string]: unknown;
}

interface GeminiContent {
  role?: string;
  parts?: GeminiPart[];
}

interface GenerateContentRequest {
  contents?: GeminiContent[];
  tools?: { functionDeclarations?: { name?: string }[] }[];
}

/** Its tool results are the functionResponse parts; a failed call's response carries `error` instead of `output`. */
export type GeminiServer = ModelServer<GenerateContentRequest>;

/** `/v1beta/models/MODEL:METHOD`, without the query. */
function methodOf(req: LoggedRequest): string {
  const match = /^\/v1(?:beta|alpha)?\/models\/[^:/?]+:([A-Za-z]+)/.exec(req.path);
  return match ? match[1]! : '';
}

function toolNamesOf(body: GenerateContentRequest): string[] {
  return (body.tools ?? []).flatMap((t) => (t.functionDeclarations ?? []).map((f) => f.name ?? '?'));
}

function isMain(req: LoggedRequest): boolean {
  const method = methodOf(req);
  return (
    req.method === 'POST' &&
    (method === 'streamGenerateContent' || method === 'generateContent') &&
    toolNamesOf((req.body ?? {}) as GenerateContentRequest).length > 0
  );
}

function doneTurns(body: GenerateContentRequest): number {
  return (body.contents ?? []).filter((c) => c.role === 'model' && (c.parts ?? []).some((p) => p.functionCall)).length;
}

function responseOf(turn: PlayedTurn): Record<string, unknown> {
  const part = 'tool' in turn ? { functionCall: { id: nextId('call'), name: turn.tool, args: turn.input } } : { text: turn.text };
  return {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 8, totalTokenCount: 20 },
    modelVersion: 'gemini-scripted',
    responseId: nextId('resp'),
  };
}

function answer(req: LoggedRequest, res: http.ServerResponse, turn: PlayedTurn): void {
  const response = responseOf(turn);
  if (methodOf(req) === 'generateContent') return sendJson(res, 200, response);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.end(`data: ${JSON.stringify(response)}\n\n`);
}

function textOf(response: Record<string, unknown> | undefined): string {
  if (!response) return '';
  for (const key of ['output', 'error', 'content']) {
    const value = response[key];
    if (typeof value === 'string') return value;
  }
  return JSON.stringify(response);
}

/** Tool results sit in the user turns, as functionResponse parts. */
function toolResultsOf(body: GenerateContentRequest): ToolResult[] {
  const out: ToolResult[] = [];
  for (const c of body.contents ?? []) {
    for (const p of c.parts ?? []) {
      const response = p.functionResponse?.response;
      if (p.functionResponse)
        out.push({
          callId: String(p.functionResponse.id ?? p.functionResponse.name),
          text: textOf(response),
          isError: response !== undefined && 'error' in response,
        });
    }
  }
  return out;
}

export function startGeminiServer(script: readonly ScriptTurn[]): Promise<GeminiServer> {
  return startModelServer<GenerateContentRequest>({
    route(req, res) {
      const method = methodOf(req);
      if (method === 'countTokens') return sendJson(res, 200, { totalTokens: 12 });
      if (method === 'streamGenerateContent' || method === 'generateContent') {
        const body = (req.body ?? {}) as GenerateContentRequest;
        return answer(req, res, isMain(req) ? turnAt(script, doneTurns(body), toolResultsOf(body)) : { text: 'ok' });
      }
      if (req.method === 'GET' && /\/models\/?(\?|$)/.test(req.path)) return sendJson(res, 200, { models: [] });
      return sendJson(res, 200, {});
    },
    isMain,
    toolNames: toolNamesOf,
    toolResults: toolResultsOf,
  });
}
