/**
 * The pure part of network approvals: the person's choices in the prompt and what each one
 * answers, and the policy widened by the domains allowed "always for this workspace". No
 * `vscode` here, so it is unit-tested.
 */
import type { AskAnswer } from '../../core/network/gate';
import type { Policy } from '../../core/policy';

/** The prompt's buttons, in the order shown. */
export const ASK_CHOICES = ['Allow Once', 'Allow for This Session', 'Always for This Workspace', 'Deny'] as const;

/** The answer for the button picked; a dismissed prompt (undefined) denies. */
export function answerForChoice(pick: string | undefined): AskAnswer {
  return pick === 'Allow Once'
    ? 'allow-once'
    : pick === 'Allow for This Session'
      ? 'allow-session'
      : pick === 'Always for This Workspace'
        ? 'allow-workspace'
        : 'deny';
}

/**
 * The policy with the approved domains added to the allowlist. Only the allowlist mode takes
 * them: with no network they open nothing. Deny rules still win over them.
 */
export function withApprovedDomains(policy: Policy, approved: readonly string[]): Policy {
  if (policy.network.mode !== 'allowlist' || !approved.length) return policy;
  return { ...policy, network: { ...policy.network, allow: [...new Set([...policy.network.allow, ...approved])] } };
}

/** The approved rules with one more, each rule once. */
export function withApproval(approved: readonly string[], rule: string): string[] {
  return [...new Set([...approved, rule])];
}
