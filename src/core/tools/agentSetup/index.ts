/** Setting an agent up with the sandbox's hook and MCP server, and undoing it. */
export * from './plan';
export { SetupFileError, MCP_SERVER_NAME } from './jsonSettings';
export { BLOCK_BEGIN, BLOCK_END } from './codexToml';
export { planDiff, planWarnings } from './diff';
