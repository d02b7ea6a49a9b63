/**
 * The typed message protocol between the review panel's host (extension side) and its
 * webview (browser side). Both sides import this file; it must stay free of `vscode` and of
 * DOM types so it compiles in either program.
 *
 * Shape of the conversation:
 * - The webview sends requests `{ kind: 'request', id, method, params }`; the host answers
 *   each with exactly one `{ kind: 'reply', id, ok, result | error }`.
 * - The host may push notifications `{ kind: 'notification', method, params }` at any time
 *   (a new change set, progress, the outcome of an apply started elsewhere).
 * - Handshake: the webview's first request is `ready`; its reply is the full state. The
 *   webview keeps only UI intent in its persisted state and refetches data on `ready`, so a
 *   reload never shows stale decisions.
 *
 * Everything that arrives over the wire is untrusted until `parseHostMessage` /
 * `parseWebviewMessage` has checked it.
 */

export const REVIEW_PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------
// Page contract: what the host's HTML must provide. The webview bundle builds its own DOM,
// so the page needs only the stylesheet, the script and these two security pieces.
// ---------------------------------------------------------------------------------------

/**
 * The panel's Content-Security-Policy. `cspSource` is `webview.cspSource`; `nonce` is fresh
 * per render and goes on the `<script>` tag and in `<meta property="csp-nonce">` (the UI
 * toolkit reads it from there for its one `<style>` probe).
 */
export function reviewPanelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** The `<meta>` tag name under which the page exposes the nonce to the toolkit. */
export const CSP_NONCE_META_PROPERTY = 'csp-nonce';

// ---------------------------------------------------------------------------------------
// View-model types
// ---------------------------------------------------------------------------------------

/** How a path differs between base and sandbox. */
export type ChangeKind = 'added' | 'modified' | 'deleted' | 'typeChanged' | 'modeChanged';
export const CHANGE_KINDS: readonly ChangeKind[] = ['added', 'modified', 'deleted', 'typeChanged', 'modeChanged'];

/** A decision a person can take on a file or a hunk. */
export type Decision = 'pending' | 'approved' | 'rejected';
export const DECISIONS: readonly Decision[] = ['pending', 'approved', 'rejected'];

/** A file's overall decision: `partial` when its hunks disagree. */
export type FileDecision = Decision | 'partial';
export const FILE_DECISIONS: readonly FileDecision[] = ['pending', 'approved', 'rejected', 'partial'];

/** The three ways out of a three-way merge conflict. */
export type ConflictChoice = 'keep-theirs' | 'take-sandbox' | 'write-markers';
export const CONFLICT_CHOICES: readonly ConflictChoice[] = ['keep-theirs', 'take-sandbox', 'write-markers'];

/** Why a file deserves a closer look (e.g. `executable`, `ci-config`, `secrets`). */
export interface RiskFlag {
  readonly code: string;
  readonly reason: string;
}

/** The real tree changed under the sandbox and a three-way merge could not settle it. */
export interface ConflictInfo {
  /** Human-readable summary, e.g. "3 conflicting regions". */
  readonly detail: string;
  /** The choices the host will accept for this file (normally all three). */
  readonly choices: readonly ConflictChoice[];
}

/** One changed path as the file list shows it. */
export interface FileItem {
  /** Workspace-relative, `/`-separated; a lossy decoding when `validUtf8` is false. */
  readonly path: string;
  readonly kind: ChangeKind;
  /** Size in bytes of the side that will be written (the base side for deletions). */
  readonly size: number;
  /** Size in bytes of the base side, when there is one. */
  readonly oldSize?: number;
  /** Octal permission strings for mode changes, e.g. "644" → "755". */
  readonly oldMode?: string;
  readonly newMode?: string;
  /** Non-empty when the file needs a closer look; such files are never approved in bulk. */
  readonly risks: readonly RiskFlag[];
  /** Set when policy forbids applying this path at all; the reason says which rule. */
  readonly neverApply?: string;
  readonly binary?: boolean;
  /** Too large to diff; the panel shows sizes and hashes instead. */
  readonly tooLarge?: boolean;
  /** False when the file name is not valid UTF-8 (the shown `path` is lossy). */
  readonly validUtf8?: boolean;
  readonly decision: FileDecision;
  readonly hunkCount: number;
  readonly conflict?: ConflictInfo;
}

export interface Totals {
  readonly files: number;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  readonly risky: number;
  readonly neverApply: number;
  readonly approved: number;
  readonly rejected: number;
  readonly partial: number;
  readonly pending: number;
  readonly conflicts: number;
}

/** A few lines that tell the reviewer what the sandbox was allowed to do. */
export interface PolicySummary {
  readonly title: string;
  readonly items: readonly { readonly label: string; readonly value: string }[];
}

export interface ReviewState {
  readonly protocolVersion: number;
  /** Identifies the change set; decisions and diffs belong to one generation. */
  readonly generation: number;
  readonly files: readonly FileItem[];
  readonly totals: Totals;
  readonly policy: PolicySummary;
  /** True when the sandbox is gone and only discarding is possible. */
  readonly readOnly?: boolean;
}

export type DiffLineType = 'context' | 'add' | 'del';

export interface DiffLine {
  readonly type: DiffLineType;
  readonly text: string;
  readonly oldNo?: number;
  readonly newNo?: number;
  /** The line has no newline at end of file. */
  readonly noNewline?: boolean;
}

export interface HunkView {
  /** 1-based, stable within one generation. */
  readonly index: number;
  /** The `@@ -a,b +c,d @@` line, possibly with a section heading. */
  readonly header: string;
  readonly lines: readonly DiffLine[];
  readonly decision: Decision;
  readonly reason?: string;
}

export interface ContentHashes {
  /** Hex digests (algorithm named by the host, e.g. "sha256:ab12…"). */
  readonly base?: string;
  readonly sandbox?: string;
}

/** The diff of one file, fetched on demand. Binary and oversized files carry no hunks. */
export interface FileDiff {
  readonly path: string;
  readonly generation: number;
  readonly kind: ChangeKind;
  readonly binary?: boolean;
  readonly tooLarge?: boolean;
  readonly oldSize?: number;
  readonly newSize?: number;
  readonly hashes?: ContentHashes;
  readonly hunks: readonly HunkView[];
}

/** What a decision request changed: the affected files, new totals and hunk decisions. */
export interface DecisionUpdate {
  readonly files: readonly FileItem[];
  readonly totals: Totals;
  /** For hunk decisions (and file decisions on a file whose diff is open). */
  readonly hunks?: {
    readonly path: string;
    readonly decisions: readonly { readonly index: number; readonly decision: Decision; readonly reason?: string }[];
  };
}

export interface ApproveAllResult extends DecisionUpdate {
  /** Paths approve-all left alone because they need a closer look or may never be applied. */
  readonly skippedRisky: number;
  readonly skippedNeverApply: number;
}

export interface ApplyResult {
  /** Written to the real tree as approved. */
  readonly applied: readonly string[];
  /** Written after a clean three-way merge with changes made in the real tree meanwhile. */
  readonly merged: readonly string[];
  /** Need a person's choice; answer with `resolveConflict`. */
  readonly conflicts: readonly { readonly path: string; readonly detail: string; readonly choices: readonly ConflictChoice[] }[];
  /** Not written, with the reason (policy, a failed check, ...). */
  readonly refused: readonly { readonly path: string; readonly reason: string }[];
}

export interface Progress {
  readonly busy: boolean;
  readonly label?: string;
  readonly done?: number;
  readonly total?: number;
}

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

/** Requests from the webview, with their params and the result type of the reply. */
export interface ReviewRequests {
  ready: { params: { protocolVersion: number }; result: ReviewState };
  refresh: { params: Record<string, never>; result: ReviewState };
  requestDiff: { params: { path: string }; result: FileDiff };
  setFileDecision: { params: { path: string; decision: Decision; reason?: string }; result: DecisionUpdate };
  setHunkDecision: {
    params: { path: string; hunk: number; decision: Decision; reason?: string };
    result: DecisionUpdate;
  };
  /** Approves every pending file that is neither risky nor never-apply. */
  approveAll: { params: Record<string, never>; result: ApproveAllResult };
  rejectAll: { params: Record<string, never>; result: DecisionUpdate };
  apply: { params: Record<string, never>; result: ApplyResult };
  discard: { params: Record<string, never>; result: { discarded: number } };
  openNativeDiff: { params: { path: string }; result: { opened: boolean } };
  resolveConflict: { params: { path: string; choice: ConflictChoice }; result: ApplyResult };
}

export type RequestMethod = keyof ReviewRequests;
export const REQUEST_METHODS: readonly RequestMethod[] = [
  'ready',
  'refresh',
  'requestDiff',
  'setFileDecision',
  'setHunkDecision',
  'approveAll',
  'rejectAll',
  'apply',
  'discard',
  'openNativeDiff',
  'resolveConflict',
];

/** Notifications the host pushes without being asked. */
export interface ReviewNotifications {
  state: { state: ReviewState };
  progress: Progress;
  applyResult: { result: ApplyResult };
}

export type NotificationMethod = keyof ReviewNotifications;
export const NOTIFICATION_METHODS: readonly NotificationMethod[] = ['state', 'progress', 'applyResult'];

export type RequestMessage<M extends RequestMethod = RequestMethod> = {
  [K in M]: { readonly kind: 'request'; readonly id: number; readonly method: K; readonly params: ReviewRequests[K]['params'] };
}[M];

export interface ReplyError {
  readonly message: string;
  /** What the person can do about it. */
  readonly hint?: string;
  readonly code?: string;
}

export type ReplyMessage<M extends RequestMethod = RequestMethod> =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly result: ReviewRequests[M]['result'] }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: ReplyError };

export type NotificationMessage<M extends NotificationMethod = NotificationMethod> = {
  [K in M]: { readonly kind: 'notification'; readonly method: K; readonly params: ReviewNotifications[K] };
}[M];

export type WebviewToHostMessage = RequestMessage;
export type HostToWebviewMessage = ReplyMessage | NotificationMessage;

// ---------------------------------------------------------------------------------------
// Validation: both sides check what arrives before acting on it.
// ---------------------------------------------------------------------------------------

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Raised inside the validators; carries the JSON path of the offending value. */
class ProtocolShapeError extends Error {}

type Reader<T> = (value: unknown, at: string) => T;

function fail(at: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  throw new ProtocolShapeError(`${at}: expected ${expected}, got ${got}`);
}

function record(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(at, 'an object', value);
  return value as Record<string, unknown>;
}

const str: Reader<string> = (value, at) => (typeof value === 'string' ? value : fail(at, 'a string', value));
const bool: Reader<boolean> = (value, at) => (typeof value === 'boolean' ? value : fail(at, 'a boolean', value));
const count: Reader<number> = (value, at) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fail(at, 'a non-negative integer', value);
const positive: Reader<number> = (value, at) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : fail(at, 'an integer ≥ 1', value);

function oneOf<T extends string>(allowed: readonly T[]): Reader<T> {
  return (value, at) =>
    typeof value === 'string' && (allowed as readonly string[]).includes(value)
      ? (value as T)
      : fail(at, `one of ${allowed.join(', ')}`, value);
}

function optional<T>(read: Reader<T>): Reader<T | undefined> {
  return (value, at) => (value === undefined ? undefined : read(value, at));
}

function list<T>(read: Reader<T>): Reader<T[]> {
  return (value, at) => {
    if (!Array.isArray(value)) fail(at, 'an array', value);
    return value.map((item, i) => read(item, `${at}[${i}]`));
  };
}

/** Checks the listed fields and returns the object unchanged (unknown extra fields are kept). */
function shape<T>(fields: { readonly [K in keyof NoInfer<T>]-?: Reader<unknown> }): Reader<T> {
  return (value, at) => {
    const obj = record(value, at);
    for (const key of Object.keys(fields) as (keyof T & string)[]) {
      fields[key](obj[key], `${at}.${key}`);
    }
    return obj as T;
  };
}

const readDecision = oneOf(DECISIONS);
const readChoices = list(oneOf(CONFLICT_CHOICES));

const readRisk = shape<RiskFlag>({ code: str, reason: str });

const readFileItem = shape<FileItem>({
  path: str,
  kind: oneOf(CHANGE_KINDS),
  size: count,
  oldSize: optional(count),
  oldMode: optional(str),
  newMode: optional(str),
  risks: list(readRisk),
  neverApply: optional(str),
  binary: optional(bool),
  tooLarge: optional(bool),
  validUtf8: optional(bool),
  decision: oneOf(FILE_DECISIONS),
  hunkCount: count,
  conflict: optional(shape<ConflictInfo>({ detail: str, choices: readChoices })),
});

const readTotals = shape<Totals>({
  files: count,
  added: count,
  modified: count,
  deleted: count,
  risky: count,
  neverApply: count,
  approved: count,
  rejected: count,
  partial: count,
  pending: count,
  conflicts: count,
});

const readPolicy = shape<PolicySummary>({
  title: str,
  items: list(shape<PolicySummary['items'][number]>({ label: str, value: str })),
});

const readState = shape<ReviewState>({
  protocolVersion: count,
  generation: count,
  files: list(readFileItem),
  totals: readTotals,
  policy: readPolicy,
  readOnly: optional(bool),
});

const LINE_TYPES: ReadonlySet<unknown> = new Set<DiffLineType>(['context', 'add', 'del']);
const readLineShape = shape<DiffLine>({
  type: oneOf<DiffLineType>(['context', 'add', 'del']),
  text: str,
  oldNo: optional(positive),
  newNo: optional(positive),
  noNewline: optional(bool),
});
const isLineNumber = (value: unknown) =>
  value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 1);

/**
 * Diff lines come by the hundred thousand, so the common well-formed case is checked with
 * plain comparisons; only a line that fails them goes through the generic reader, which
 * then names the offending field.
 */
const readLines: Reader<DiffLine[]> = (value, at) => {
  if (!Array.isArray(value)) fail(at, 'an array', value);
  for (let i = 0; i < value.length; i++) {
    const line = value[i] as Partial<Record<keyof DiffLine, unknown>> | null;
    const ok =
      typeof line === 'object' &&
      line !== null &&
      LINE_TYPES.has(line.type) &&
      typeof line.text === 'string' &&
      isLineNumber(line.oldNo) &&
      isLineNumber(line.newNo) &&
      (line.noNewline === undefined || typeof line.noNewline === 'boolean');
    if (!ok) readLineShape(line, `${at}[${i}]`);
  }
  return value as DiffLine[];
};

const readHunk = shape<HunkView>({
  index: positive,
  header: str,
  lines: readLines,
  decision: readDecision,
  reason: optional(str),
});

const readDiff = shape<FileDiff>({
  path: str,
  generation: count,
  kind: oneOf(CHANGE_KINDS),
  binary: optional(bool),
  tooLarge: optional(bool),
  oldSize: optional(count),
  newSize: optional(count),
  hashes: optional(shape<ContentHashes>({ base: optional(str), sandbox: optional(str) })),
  hunks: list(readHunk),
});

const decisionUpdateFields = {
  files: list(readFileItem),
  totals: readTotals,
  hunks: optional(
    shape<NonNullable<DecisionUpdate['hunks']>>({
      path: str,
      decisions: list(
        shape<NonNullable<DecisionUpdate['hunks']>['decisions'][number]>({
          index: positive,
          decision: readDecision,
          reason: optional(str),
        }),
      ),
    }),
  ),
};
const readDecisionUpdate = shape<DecisionUpdate>(decisionUpdateFields);
const readApproveAll = shape<ApproveAllResult>({ ...decisionUpdateFields, skippedRisky: count, skippedNeverApply: count });

const readApplyResult = shape<ApplyResult>({
  applied: list(str),
  merged: list(str),
  conflicts: list(shape<ApplyResult['conflicts'][number]>({ path: str, detail: str, choices: readChoices })),
  refused: list(shape<ApplyResult['refused'][number]>({ path: str, reason: str })),
});

const readProgress = shape<Progress>({ busy: bool, label: optional(str), done: optional(count), total: optional(count) });

const noParams = shape<Record<string, never>>({});
const readPathParams = shape<{ path: string }>({ path: str });

const requestParamReaders: { readonly [M in RequestMethod]: Reader<ReviewRequests[M]['params']> } = {
  ready: shape({ protocolVersion: count }),
  refresh: noParams,
  requestDiff: readPathParams,
  setFileDecision: shape({ path: str, decision: readDecision, reason: optional(str) }),
  setHunkDecision: shape({ path: str, hunk: positive, decision: readDecision, reason: optional(str) }),
  approveAll: noParams,
  rejectAll: noParams,
  apply: noParams,
  discard: noParams,
  openNativeDiff: readPathParams,
  resolveConflict: shape({ path: str, choice: oneOf(CONFLICT_CHOICES) }),
};

const resultReaders: { readonly [M in RequestMethod]: Reader<ReviewRequests[M]['result']> } = {
  ready: readState,
  refresh: readState,
  requestDiff: readDiff,
  setFileDecision: readDecisionUpdate,
  setHunkDecision: readDecisionUpdate,
  approveAll: readApproveAll,
  rejectAll: readDecisionUpdate,
  apply: readApplyResult,
  discard: shape({ discarded: count }),
  openNativeDiff: shape({ opened: bool }),
  resolveConflict: readApplyResult,
};

const notificationReaders: { readonly [M in NotificationMethod]: Reader<ReviewNotifications[M]> } = {
  state: shape({ state: readState }),
  progress: readProgress,
  applyResult: shape({ result: readApplyResult }),
};

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
    const msg = record(data, 'message');
    if (msg.kind !== 'request') fail('message.kind', '"request"', msg.kind);
    count(msg.id, 'message.id');
    const method = oneOf(REQUEST_METHODS)(msg.method, 'message.method');
    requestParamReaders[method](msg.params, 'message.params');
    return msg as unknown as WebviewToHostMessage;
  });
}

/**
 * Webview side: checks a message posted by the host. `methodOfReply` maps a reply's id to
 * the method of the pending request, so the result is checked against the right type; an
 * id with no pending request is an error.
 */
export function parseHostMessage(
  data: unknown,
  methodOfReply: (id: number) => RequestMethod | undefined,
): Parsed<HostToWebviewMessage> {
  return attempt(() => {
    const msg = record(data, 'message');
    if (msg.kind === 'notification') {
      const method = oneOf(NOTIFICATION_METHODS)(msg.method, 'message.method');
      notificationReaders[method](msg.params, 'message.params');
      return msg as unknown as HostToWebviewMessage;
    }
    if (msg.kind !== 'reply') fail('message.kind', '"reply" or "notification"', msg.kind);
    const id = count(msg.id, 'message.id');
    const method = methodOfReply(id);
    if (method === undefined) throw new ProtocolShapeError(`message.id: no pending request has id ${id}`);
    if (bool(msg.ok, 'message.ok')) {
      resultReaders[method](msg.result, `message.result (${method})`);
    } else {
      shape<ReplyError>({ message: str, hint: optional(str), code: optional(str) })(msg.error, 'message.error');
    }
    return msg as unknown as HostToWebviewMessage;
  });
}
