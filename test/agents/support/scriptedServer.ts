/**
 * What the scripted model servers share: a script of turns, an HTTP server on 127.0.0.1 at
 * a free port that logs every request body, and Server-Sent Events framing. A real agent
 * program talks to it as to its vendor's API, so the agent's own tool loop, hooks and
 * permission checks all run for real; only the model's choices are fixed in advance. Each
 * vendor's server adds its wire format: which requests are the agent's main conversation,
 * how a turn is answered, and where the tools and tool results sit in a request.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One model turn: call a tool with this input, or answer with a final text. `freeform` is the
 * raw text of a call to a tool that takes free text instead of JSON (Codex's apply_patch);
 * wires without such tools ignore it.
 */
export type ScriptTurn =
  | { readonly tool: string; readonly input: Record<string, unknown>; readonly freeform?: string }
  | { readonly text: string }
  /** A turn that depends on what the agent sent back so far (an id the agent chose, say). */
  | { readonly after: (results: readonly ToolResult[]) => ScriptTurn };

/** A turn as the model plays it: a tool call or a text. */
export type PlayedTurn = Exclude<ScriptTurn, { readonly after: unknown }>;

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

export interface ScriptedServer {
  /** Base URL, e.g. http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  /** Every request received so far, in order. */
  readonly requests: readonly LoggedRequest[];
  close(): Promise<void>;
}

export type RouteHandler = (req: LoggedRequest, res: http.ServerResponse) => void;

/** A tool result as the agent sent it back to the model. */
export interface ToolResult {
  /** The id of the model's call it answers. */
  readonly callId: string;
  readonly text: string;
  /** How the wire marks a failed call (Anthropic's is_error); absent where the wire has no such mark. */
  readonly isError?: boolean;
}

/** A scripted model server as the tests read it: the agent's main conversation and what came back in it. */
export interface ModelServer<Request = unknown> extends ScriptedServer {
  /** The requests of the agent's main conversation (those that offer tools). */
  mainRequests(): Request[];
  /** Every tool result the agent sent back, in order (from the last main request, which holds the whole conversation). */
  toolResults(): ToolResult[];
  /** Names of the tools the agent offered in its first main request. */
  offeredTools(): string[];
}

/** Where one vendor's wire format keeps the main conversation, the offered tools and the tool results. */
export interface ModelWire<Request> {
  /** Answers every request (after it is logged). */
  readonly route: RouteHandler;
  /** A request of the agent's main conversation (one that offers tools), not a side request. */
  isMain(req: LoggedRequest): boolean;
  toolNames(request: Request): string[];
  toolResults(request: Request): ToolResult[];
}

let idCounter = 0;

/** A fresh id in the vendor's style (`prefix_…`), unique in this process. */
export function nextId(prefix: string): string {
  return `${prefix}_scripted${Date.now().toString(36)}${(idCounter++).toString(36)}`;
}

/** Starts a scripted server for one wire format, read back through `ModelServer`. */
export async function startModelServer<Request>(wire: ModelWire<Request>): Promise<ModelServer<Request>> {
  const server = await startScriptedServer(wire.route);
  const mainRequests = () => server.requests.filter((r) => wire.isMain(r)).map((r) => r.body as Request);
  return {
    ...server,
    mainRequests,
    offeredTools() {
      const first = mainRequests()[0];
      return first ? wire.toolNames(first) : [];
    },
    toolResults() {
      const last = mainRequests().at(-1);
      return last ? wire.toolResults(last) : [];
    },
  };
}

/** Starts a server on 127.0.0.1 at a free port; `route` answers each request after its body is read and logged. */
export async function startScriptedServer(route: RouteHandler): Promise<ScriptedServer> {
  const requests: LoggedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: kept as text in the log.
      }
      const logged: LoggedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body };
      requests.push(logged);
      try {
        route(logged, res);
      } catch (err) {
        // A bug in a script must show up in the agent's output, never as a hang.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'scripted_server_error', message: (err as Error).message } }));
      }
    });
  });
  // Agents keep connections alive; closing must not wait for them.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes a complete Server-Sent Events response: each event with its name and JSON data. */
export function sendSse(res: http.ServerResponse, events: readonly { readonly event: string; readonly data: unknown }[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const e of events) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
  res.end();
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * The turn for a request that follows `done` earlier model turns, given the tool results the
 * request holds; past the end, a closing text.
 */
export function turnAt(script: readonly ScriptTurn[], done: number, results: readonly ToolResult[]): PlayedTurn {
  let turn = script[done] ?? { text: 'Done.' };
  while ('after' in turn) turn = turn.after(results);
  return turn;
}
