/**
 * Which tool calls need a person's approval before they run, by the sandbox policy. Most do
 * not: the sandbox confines them and review stands between them and the real tree. Two
 * kinds do: writing a path the policy marks as risky (build scripts, CI, package manifests,
 * editor settings: changes that can run code on the host later), and running a command
 * while the sandbox has network access (data could leave through the allowlist).
 */
import { compilePatterns } from '../glob';
import type { Policy } from '../policy';
import type { ToolName } from './definitions';

export interface ApprovalNeed {
  readonly title: string;
  /** Why, in a sentence a person can judge. */
  readonly reason: string;
}

export type ApprovalPolicy = Pick<Policy, 'risky' | 'network'>;

export function approvalNeeded(tool: ToolName, input: Record<string, unknown>, policy: ApprovalPolicy): ApprovalNeed | undefined {
  if (tool === 'write_file' || tool === 'edit_file') {
    const rel = typeof input.path === 'string' ? input.path.replace(/^\/+/, '') : '';
    const pattern = rel ? compilePatterns(policy.risky)(rel) : undefined;
    if (pattern) {
      return {
        title: `Let the agent ${tool === 'write_file' ? 'write' : 'edit'} ${rel}?`,
        reason: `${rel} matches the risky pattern "${pattern}": changes to it can run code on your machine later. It is written only to the sandbox copy and still goes through review.`,
      };
    }
  }
  if (tool === 'run_command' && policy.network.mode !== 'none') {
    return {
      title: 'Run this command in the sandbox?',
      reason: `The sandbox has network access (${policy.network.mode}: ${policy.network.allow.join(', ') || 'nothing allowed yet'}), so the command could send data out.`,
    };
  }
  return undefined;
}
