/**
 * Request/reply over postMessage. Every request gets an id; the host's reply with that id
 * settles the promise. Replies and notifications are validated against the protocol before
 * anything acts on them; a malformed message is reported, never half-applied.
 */
import {
  parseHostMessage,
  type NotificationMessage,
  type NotificationMethod,
  type NotificationParams,
  type ReplyError,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
  type WebviewToHostMessage,
} from '../../src/protocol/review';
import type { VsCodeApi } from './vscodeApi';
import { t } from './l10n';

export class HostRequestError extends Error {
  constructor(
    readonly method: RequestMethod,
    readonly reply: ReplyError,
  ) {
    super(reply.message);
  }
}

interface Pending {
  readonly method: RequestMethod;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

type NotificationHandlers = { [M in NotificationMethod]?: (params: NotificationParams<M>) => void };

export class HostConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers: NotificationHandlers = {};

  constructor(
    private readonly api: VsCodeApi,
    private readonly onProtocolError: (problem: string) => void,
  ) {}

  /** Call once with the window's message events. */
  receive(data: unknown): void {
    const parsed = parseHostMessage(data, (id) => this.pending.get(id)?.method);
    if (!parsed.ok) {
      this.onProtocolError(parsed.error);
      // A reply we cannot read must still settle its request, or the UI would wait forever.
      const id = (data as { id?: unknown } | null)?.id;
      const pending = typeof id === 'number' ? this.pending.get(id) : undefined;
      if (pending !== undefined && typeof id === 'number') {
        this.pending.delete(id);
        pending.reject(new HostRequestError(pending.method, { message: t('Malformed reply: {0}', parsed.error) }));
      }
      return;
    }
    const message = parsed.value;
    if (message.kind === 'notification') {
      this.dispatch(message);
      return;
    }
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new HostRequestError(pending.method, message.error));
  }

  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (result: unknown) => void, reject });
      this.api.postMessage({ kind: 'request', id, method, params } as WebviewToHostMessage);
    });
  }

  on<M extends NotificationMethod>(method: M, handler: (params: NotificationParams<M>) => void): void {
    (this.handlers as Record<M, (params: NotificationParams<M>) => void>)[method] = handler;
  }

  private dispatch(message: NotificationMessage): void {
    const handler = this.handlers[message.method] as ((params: unknown) => void) | undefined;
    handler?.(message.params);
  }
}
