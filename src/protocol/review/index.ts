/**
 * The typed protocol between the review panel's host (extension side) and its webview
 * (browser side). Both sides import this folder; it stays free of `vscode` and of DOM types
 * so it compiles in either program.
 */
export * from './viewTypes';
export * from './messages';
export { parseHostMessage, parseWebviewMessage, type Parsed } from './parse';
export { decisionStatus, emptyTotals, hasApproved, hasRejected, isPending, pendingCount, totalsOf, type DecisionStatus } from './totals';
export { handleRequest, type RequestHandler, type RequestHandlers } from './handlers';
