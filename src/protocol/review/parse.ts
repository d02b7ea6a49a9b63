/**
 * Both sides check what arrives before acting on it: the host checks the webview's requests,
 * the webview checks the host's replies and notifications. Everything that arrives over the
 * wire is untrusted until one of these functions has accepted it; an error names the JSON
 * path of the first offending value ("message.params.hunk: expected an integer ≥ 1, got
 * number").
 */
import * as z from 'zod/mini';
import {
  notificationEnvelope,
  replyEnvelope,
  replyErrorSchema,
  requestEnvelope,
  reviewNotifications,
  reviewRequests,
  type HostToWebviewMessage,
  type RequestMethod,
  type WebviewToHostMessage,
} from './messages';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Raised while checking a message; carries the path and the problem, ready to show. */
class ProtocolShapeError extends Error {}

function pathText(at: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), at);
}

/** Checks `value` against `schema` and returns what the schema made of it, or throws with the first problem. */
function check<S extends z.core.$ZodType>(schema: S, value: unknown, at: string): z.infer<S> {
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return parsed.data as z.infer<S>;
  const first = parsed.error.issues[0];
  throw new ProtocolShapeError(first ? `${pathText(at, first.path)}: ${first.message}` : `${at}: malformed`);
}

function attempt<T>(run: () => T): Parsed<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof ProtocolShapeError) return { ok: false, error: error.message };
    throw error;
  }
}

/** Host side: checks a message posted by the webview. */
export function parseWebviewMessage(data: unknown): Parsed<WebviewToHostMessage> {
  return attempt(() => {
    const envelope = check(requestEnvelope, data, 'message');
    const params = check(reviewRequests[envelope.method].params, envelope.params, 'message.params');
    return { ...envelope, params } as WebviewToHostMessage;
  });
}

/**
 * Webview side: checks a message posted by the host. `methodOfReply` maps a reply's id to
 * the method of the pending request, so the result is checked against the right type; an
 * id with no pending request is an error.
 */
export function parseHostMessage(data: unknown, methodOfReply: (id: number) => RequestMethod | undefined): Parsed<HostToWebviewMessage> {
  return attempt(() => {
    if ((data as { kind?: unknown } | null)?.kind === 'notification') {
      const envelope = check(notificationEnvelope, data, 'message');
      const params = check(reviewNotifications[envelope.method], envelope.params, 'message.params');
      return { kind: envelope.kind, method: envelope.method, params } as HostToWebviewMessage;
    }
    const { id, ok, result, error } = check(replyEnvelope, data, 'message');
    const method = methodOfReply(id);
    if (method === undefined) throw new ProtocolShapeError(`message.id: no pending request has id ${id}`);
    if (ok)
      return {
        kind: 'reply',
        id,
        ok,
        result: check(reviewRequests[method].result, result, `message.result (${method})`),
      } as HostToWebviewMessage;
    return { kind: 'reply', id, ok, error: check(replyErrorSchema, error, 'message.error') };
  });
}
