/** The sandbox's agent tools: definitions, handlers, feedback from review, and hooks. */
export { TOOL_DEFINITIONS, TOOL_NAMES, inputJsonSchema, toolDefinition, type ToolDefinition, type ToolName } from './definitions';
export { invokeTool, parseToolInput, type InvokeOptions, type ToolHost, type ToolOutcome } from './handlers';
export { approvalNeeded, type ApprovalNeed } from './approval';
export { reconcileRejections, describeFeedback, FeedbackDelivery, type ReconcileReport } from './feedback';
export { attachingToolHost } from './sessionHost';
export { currentCliInvocation } from './cliInvocation';
export { shellJoin, shellQuote } from './shellQuote';
export * from './hooks';
export * from './hookConfig';
export * from './agentLaunch';
