/**
 * The sandbox's tools as VS Code language model tools (agent mode). Each call goes through
 * the controller's fail-closed session; calls the policy marks as needing a person's approval
 * use VS Code's own confirmation. The review panel rescans after anything that changes files.
 */
import * as vscode from 'vscode';
import { SandboxError } from '../../core/errors';
import { fencedCodeBlock } from '../util/plainText';
import { approvalNeeded } from '../../core/tools/approval';
import { TOOL_DEFINITIONS, type ToolDefinition } from '../../core/tools/definitions';
import { invokeTool, type ToolHost, type ToolOutcome } from '../../core/tools/handlers';
import type { AgentEntryPointDeps } from './deps';

type ToolInput = Record<string, unknown>;

function str(input: ToolInput, key: string): string {
  const v = input[key];
  return typeof v === 'string' ? v : '';
}

/** One line that says what the tool is doing, in plain text (no markdown from the model). */
export function invocationMessage(def: ToolDefinition, input: ToolInput): string {
  const short = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s);
  switch (def.name) {
    case 'run_command':
      return `Running in the sandbox: ${short(str(input, 'command'))}`;
    case 'read_file':
      return `Reading ${short(str(input, 'path'))} from the sandbox copy`;
    case 'write_file':
      return `Writing ${short(str(input, 'path'))} in the sandbox copy`;
    case 'edit_file':
      return `Editing ${short(str(input, 'path'))} in the sandbox copy`;
    case 'list_changes':
      return 'Listing the pending changes of the sandbox';
    case 'review_feedback':
      return "Reading the review's feedback";
  }
}

export function controllerToolHost(deps: AgentEntryPointDeps): ToolHost {
  return {
    getSession: () => deps.controller.requireHealthy(),
    async getAirlock() {
      const airlock = deps.controller.airlock();
      if (!airlock)
        throw new SandboxError('SESSION_NOT_RUNNING', 'The sandbox has no session.', 'Start it with "Agent Sandbox: Start Sandbox".');
      return airlock;
    },
  };
}

function toResult(outcome: ToolOutcome): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(outcome.text)]);
}

export function registerLanguageModelTools(deps: AgentEntryPointDeps): vscode.Disposable[] {
  const host = controllerToolHost(deps);
  return TOOL_DEFINITIONS.map((def) =>
    vscode.lm.registerTool<ToolInput>(def.lmName, {
      prepareInvocation(options) {
        const input = (options.input ?? {}) as ToolInput;
        let need;
        try {
          need = approvalNeeded(def.name, input, deps.controller.policy());
        } catch {
          // An invalid policy stops the call itself, with its reason.
          need = undefined;
        }
        const prepared: vscode.PreparedToolInvocation = { invocationMessage: invocationMessage(def, input) };
        if (need) {
          const message = new vscode.MarkdownString();
          message.appendText(need.reason);
          if (def.name === 'run_command') message.appendMarkdown(fencedCodeBlock(str(input, 'command'), 'sh'));
          return { ...prepared, confirmationMessages: { title: need.title, message } };
        }
        return prepared;
      },
      async invoke(options, token) {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          const outcome = await invokeTool(host, def.name, options.input, { signal: abort.signal });
          deps.logger.info(
            `lm tool ${def.name}: ${outcome.isError ? 'error' : 'ok'}${outcome.changedFiles.length ? `, ${outcome.changedFiles.length} path(s) changed` : ''}`,
          );
          if (!def.readOnly || outcome.changedFiles.length) await deps.controller.refreshPending();
          return toResult(outcome);
        } finally {
          sub.dispose();
        }
      },
    }),
  );
}
