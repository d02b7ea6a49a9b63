/**
 * The plans every hook dialect shares: a shell tool call moved into the sandbox once it has a
 * command line a shell can carry, and a tool that would write the real workspace directly,
 * refused with the tools that edit the copy instead (in the agent's own names).
 */
export type ShellCallPlan = { readonly kind: 'shell'; readonly command: string } | { readonly kind: 'deny'; readonly reason: string };

export function planShellCall(tool: string, command: unknown): ShellCallPlan {
  if (typeof command !== 'string' || !command.trim()) return { kind: 'deny', reason: `The ${tool} call has no command to run.` };
  if (command.includes('\0'))
    return {
      kind: 'deny',
      reason: `Agent Sandbox: the ${tool} command contains a NUL byte, which no shell command can carry; it was not run.`,
    };
  return { kind: 'shell', command };
}

/**
 * A direct host edit: refused, unless the hook was told to allow host edits. `instead` names
 * the tools that edit the sandbox copy, as a sentence fragment after "with".
 */
export function planHostEdit(
  tool: string,
  allowHostEdits: boolean | undefined,
  instead: string,
): { readonly kind: 'pass' } | { readonly kind: 'deny'; readonly reason: string } {
  if (allowHostEdits) return { kind: 'pass' };
  return {
    kind: 'deny',
    reason:
      `Agent Sandbox is on: ${tool} would write the real workspace directly. ` +
      `Edit files in the sandbox copy instead, with ${instead}. ` +
      'A person reviews the changes before they reach the workspace.',
  };
}
