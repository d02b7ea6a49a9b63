/**
 * The hook's answer to Claude Code's Read and searches (planned in
 * src/core/tools/hookCopyReads.ts). Inside the workspace a Read is pointed at the copy's
 * version of the file, materialized into a private host file; a search is refused with what
 * works. Outside the workspace both pass. A sandbox that is down refuses the read, as it
 * refuses the shell: the host version would show a world the agent's commands do not see.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../core/errors';
import { attachSession } from '../core/session/lifecycle';
import { SandboxSession } from '../core/session/session';
import { materializeCopyFile } from '../core/tools/copyReads';
import { agentToolWords, copyReadContext, copyRelativePath, copySearchReason } from '../core/tools/hookCopyReads';
import { denyAnswer, scalarFields } from '../core/tools/hooks';
import type { CopyReadPlan, HookAnswer } from '../core/tools/hookTypes';
import { loadCliPolicy } from './policyLoader';

/** `p` with the host's symlinks resolved for the part of it that exists on the host. */
function hostResolved(p: string): string | undefined {
  const rest: string[] = [];
  let current = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Where a read is materialized: the state root's copy-reads folder (the default), a folder
 * the agent accepts paths in (`dir`), or nowhere it would accept (`unavailable`, the reason).
 */
export type CopyReadTarget = { readonly dir: string } | { readonly unavailable: string };

/**
 * The answer to a copy read or search: a HookAnswer, or `undefined` to let the call pass.
 * `root` is the workspace whose session covers the agent's folder (undefined: none has one).
 */
export async function answerCopyRead(
  plan: CopyReadPlan,
  from: string,
  root: string | undefined,
  toolInput: Record<string, unknown>,
  target?: CopyReadTarget,
): Promise<HookAnswer | undefined> {
  const absolute = path.resolve(from, plan.target);
  const realFrom = hostResolved(from) ?? from;
  if (!root) {
    // No sandbox at all: the agent's own folder is still the workspace the shell is refused in.
    if (copyRelativePath(absolute, from, realFrom, hostResolved(absolute)) === undefined) return undefined;
    return denyAnswer(
      `Agent Sandbox: there is no sandbox for ${from}, so ${plan.tool} is not used on the workspace (it would not show what the agent's commands see). Start it with "Agent Sandbox: Start Sandbox" or \`agent-sandbox start\`, then try again.`,
    );
  }
  const { shell } = agentToolWords(plan.tool);
  const rel = copyRelativePath(absolute, from, root, hostResolved(absolute));
  if (rel === undefined) return undefined;
  if (plan.kind === 'copySearch') return denyAnswer(copySearchReason(plan.tool, plan.target));
  if (rel === '')
    return denyAnswer(
      `Agent Sandbox: ${plan.target} is the workspace folder, not a file. List it with ${shell}, for example \`ls -la\` (${shell} commands run in the sandbox copy).`,
    );
  if (target && 'unavailable' in target) return denyAnswer(`Agent Sandbox: ${plan.target} was not read: ${target.unavailable}`);
  let session: SandboxSession;
  try {
    session = await attachSession({ workspaceRoot: root, policy: loadCliPolicy(root) });
  } catch (err) {
    return denyAnswer(
      `Agent Sandbox is on but the sandbox is not available, so ${plan.target} was not read (the real workspace would not show the sandbox copy): ${describeError(err).replace(/\n/g, ' ')}`,
    );
  }
  let copy;
  try {
    copy = await materializeCopyFile(session, rel, target ? { dir: target.dir } : {});
  } catch (err) {
    return denyAnswer(
      `Agent Sandbox: ${plan.target} could not be copied out of the sandbox for reading: ${describeError(err).replace(/\n/g, ' ')}`,
    );
  }
  switch (copy.kind) {
    case 'file':
      return {
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'allow',
          permissionDecisionReason: `Agent Sandbox: ${plan.tool} shows ${rel} as it is in the sandbox copy.`,
          updatedInput: { ...scalarFields(toolInput), [plan.field]: copy.hostPath },
          additionalContext: copyReadContext(plan.tool, plan.target),
        },
      };
    case 'missing':
      return denyAnswer(
        `Agent Sandbox: ${plan.target} does not exist in the sandbox copy, which is the workspace as your ${shell} commands see it (secrets such as .env files are never copied in). List files with ${shell}, for example \`ls\` or \`find . -name NAME\`.`,
      );
    case 'directory':
      return denyAnswer(
        `Agent Sandbox: ${plan.target} is a folder in the sandbox copy, not a file. List it with ${shell}, for example \`ls -la\` in that folder.`,
      );
    case 'refused':
      return denyAnswer(`Agent Sandbox: ${plan.target} cannot be read from the sandbox copy: ${copy.reason}`);
  }
}
