/**
 * The one check every agent's shell tool call goes through before it is moved into the
 * sandbox: a command line that is there, and that a shell can carry.
 */
export type ShellCallPlan = { readonly kind: 'shell'; readonly command: string } | { readonly kind: 'deny'; readonly reason: string };

export function planShellCall(tool: string, command: unknown): ShellCallPlan {
  if (typeof command !== 'string' || !command.trim()) return { kind: 'deny', reason: `The ${tool} call has no command to run.` };
  if (command.includes('\0')) return { kind: 'deny', reason: `Agent Sandbox: the ${tool} command contains a NUL byte, which no shell command can carry; it was not run.` };
  return { kind: 'shell', command };
}
