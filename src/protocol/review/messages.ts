/**
 * The messages between the review panel's host (extension side) and its webview (browser
 * side), as schemas.
 *
 * Shape of the conversation:
 * - The webview sends requests `{ kind: 'request', id, method, params }`; the host answers
 *   each with exactly one `{ kind: 'reply', id, ok, result | error }`.
 * - The host may push notifications `{ kind: 'notification', method, params }` at any time
 *   (a new change set, progress, the outcome of an apply started elsewhere).
 * - Handshake: the webview's first request is `ready`; its reply is the full state. The
 *   webview keeps only UI intent in its persisted state and refetches data on `ready`, so a
 *   reload never shows stale decisions.
 */
import * as z from 'zod/mini';
import { count, expecting, flag, oneOf, optional, positive, record, text } from './expect';
import {
  applyResultSchema,
  approveAllResultSchema,
  conflictChoiceSchema,
  decisionSchema,
  decisionUpdateSchema,
  fileDiffSchema,
  progressSchema,
  reviewStateSchema,
} from './viewTypes';

export const REVIEW_PROTOCOL_VERSION = 1;

const noParams = record({});
const pathParams = record({ path: text() });

/** Requests from the webview: the schema of each method's params and of its reply's result. */
export const reviewRequests = {
  ready: { params: record({ protocolVersion: count() }), result: reviewStateSchema },
  refresh: { params: noParams, result: reviewStateSchema },
  requestDiff: { params: pathParams, result: fileDiffSchema },
  setFileDecision: { params: record({ path: text(), decision: decisionSchema, reason: optional(text()) }), result: decisionUpdateSchema },
  setHunkDecision: {
    params: record({ path: text(), hunk: positive(), decision: decisionSchema, reason: optional(text()) }),
    result: decisionUpdateSchema,
  },
  /** Approves every pending file that is neither risky nor never-apply. */
  approveAll: { params: noParams, result: approveAllResultSchema },
  rejectAll: { params: noParams, result: decisionUpdateSchema },
  apply: { params: noParams, result: applyResultSchema },
  /** The host asks the person first (a modal dialog); `cancelled` when they said no. */
  discard: { params: noParams, result: record({ discarded: count(), cancelled: optional(flag()) }) },
  openNativeDiff: { params: pathParams, result: record({ opened: flag() }) },
  resolveConflict: { params: record({ path: text(), choice: conflictChoiceSchema }), result: applyResultSchema },
  /**
   * Opens VS Code's merge editor for a conflict (base: the copy's start, left: the person's
   * file now, right: the sandbox's, result: the real file). `markers`: the merge editor could
   * not open, so the merge was written with conflict markers through apply and opened instead.
   */
  mergeInEditor: {
    params: pathParams,
    result: record({ opened: oneOf(['mergeEditor', 'markers'] as const), result: optional(applyResultSchema) }),
  },
} as const;

type RequestSchemas = typeof reviewRequests;
export type RequestMethod = keyof RequestSchemas;
export const REQUEST_METHODS = Object.keys(reviewRequests) as [RequestMethod, ...RequestMethod[]];
export type RequestParams<M extends RequestMethod> = z.infer<RequestSchemas[M]['params']>;
export type RequestResult<M extends RequestMethod> = z.infer<RequestSchemas[M]['result']>;

/** Notifications the host pushes without being asked: the schema of each method's params. */
export const reviewNotifications = {
  state: record({ state: reviewStateSchema }),
  progress: progressSchema,
  applyResult: record({ result: applyResultSchema }),
  /** Select this file and show its diff (e.g. "Open in Review Panel" from the Source Control view). */
  reveal: pathParams,
} as const;

type NotificationSchemas = typeof reviewNotifications;
export type NotificationMethod = keyof NotificationSchemas;
export const NOTIFICATION_METHODS = Object.keys(reviewNotifications) as [NotificationMethod, ...NotificationMethod[]];
export type NotificationParams<M extends NotificationMethod> = z.infer<NotificationSchemas[M]>;

/** The envelope of a request; its params are checked against the method's schema. */
export const requestEnvelope = record({
  kind: z.literal('request', expecting('"request"')),
  id: count(),
  method: oneOf(REQUEST_METHODS),
  params: z.optional(z.unknown()),
});

/** The envelope of a notification; its params are checked against the method's schema. */
export const notificationEnvelope = record({
  kind: z.literal('notification', expecting('"notification"')),
  method: oneOf(NOTIFICATION_METHODS),
  params: z.optional(z.unknown()),
});

/** The envelope of a reply; `result` is checked against the method of the pending request. */
export const replyEnvelope = record({
  kind: z.literal('reply', expecting('"reply" or "notification"')),
  id: count(),
  ok: flag(),
  result: z.optional(z.unknown()),
  error: z.optional(z.unknown()),
});

export const replyErrorSchema = record({
  message: text(),
  /** What the person can do about it. */
  hint: optional(text()),
  code: optional(text()),
});
export type ReplyError = z.infer<typeof replyErrorSchema>;

export type RequestMessage<M extends RequestMethod = RequestMethod> = {
  [K in M]: { readonly kind: 'request'; readonly id: number; readonly method: K; readonly params: RequestParams<K> };
}[M];

export type ReplyMessage<M extends RequestMethod = RequestMethod> =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly result: RequestResult<M> }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: ReplyError };

export type NotificationMessage<M extends NotificationMethod = NotificationMethod> = {
  [K in M]: { readonly kind: 'notification'; readonly method: K; readonly params: NotificationParams<K> };
}[M];

export type WebviewToHostMessage = RequestMessage;
export type HostToWebviewMessage = ReplyMessage | NotificationMessage;
