/**
 * "Agent Sandbox: Write Agent Hook Configuration": writes the pre-tool-use hook that moves
 * an agent's shell tool into the sandbox (Claude Code, VS Code's Local harness, GitHub
 * Copilot's runtime, or all of them), after
 * showing the person the file and its full new content. An existing file keeps everything
 * else; a file that is not valid JSON is left alone with an error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SandboxError } from '../../core/errors';
import { ensureLauncher, planHookFile, type PlannedHookFile } from '../../core/tools/hookConfig';
import type { HookDialect } from '../../core/tools/hooks';
import type { AgentEntryPointDeps } from './deps';
import { showError } from '../util/notify';
import { bundledCli } from './cliInvocation';

export const WRITE_HOOK_CONFIG_COMMAND = 'agentSandbox.writeHookConfiguration';

const CHOICES: readonly (vscode.QuickPickItem & { dialects: HookDialect[] })[] = [
  {
    label: 'Claude Code',
    description: '.claude/settings.local.json',
    detail: 'PreToolUse hook for every tool: shell commands run in the sandbox, host edits and host commands are refused',
    dialects: ['claude'],
  },
  {
    label: 'VS Code Local harness (agent hooks, Preview)',
    description: '.github/hooks/agent-sandbox.json',
    detail: 'PreToolUse hook for the terminal, task, notebook and file editing tools',
    dialects: ['vscode'],
  },
  {
    label: 'GitHub Copilot (Copilot harness in VS Code, Copilot CLI)',
    description: '.github/hooks/agent-sandbox-copilot.json',
    detail:
      'preToolUse hook: bash runs in the sandbox, create and edit on the host are refused. Copilot CLI in -p mode loads it only in a trusted folder',
    dialects: ['copilot'],
  },
  {
    label: 'Gemini CLI',
    description: '.gemini/settings.json',
    detail:
      'BeforeTool hook: run_shell_command runs in the sandbox, write_file and replace and its workspace read tools are refused. Loaded only in a trusted folder',
    dialects: ['gemini'],
  },
  { label: 'All of them', dialects: ['claude', 'vscode', 'copilot', 'gemini'] },
];

/**
 * Writes or refreshes the stable launcher for this extension's CLI and returns its path. At
 * activation this keeps hook configurations written earlier working after an update, since
 * they name the launcher, not the versioned extension folder.
 */
export function refreshLauncher(deps: Pick<AgentEntryPointDeps, 'extensionUri'>): string {
  return ensureLauncher(bundledCli(deps.extensionUri).argv);
}

/** The files to write and their new content; throws when an existing file cannot be merged. */
export function planHookFiles(root: string, dialects: readonly HookDialect[], launcher: string): PlannedHookFile[] {
  return dialects.map((dialect) => planHookFile(root, dialect, launcher));
}

export async function writeHookConfiguration(deps: AgentEntryPointDeps, preset?: HookDialect[]): Promise<boolean> {
  const root = deps.controller.workspaceRoot;
  if (!root) {
    await showError(
      deps.logger,
      vscode.l10n.t('No hook configuration was written'),
      new SandboxError(
        'WORKSPACE_INVALID',
        vscode.l10n.t('No folder is open.'),
        vscode.l10n.t('Open a folder first; hook configuration is written into the workspace.'),
      ),
    );
    return false;
  }
  const dialects =
    preset ?? (await vscode.window.showQuickPick(CHOICES, { title: vscode.l10n.t('Write hook configuration for which agent?') }))?.dialects;
  if (!dialects?.length) return false;
  let planned: PlannedHookFile[];
  try {
    planned = planHookFiles(root, dialects, refreshLauncher(deps));
  } catch (err) {
    await showError(deps.logger, vscode.l10n.t('No hook configuration was written'), err);
    return false;
  }
  const detail = planned.map((p) => `${path.relative(root, p.file)}:\n${p.content}`).join('\n');
  const write = vscode.l10n.t('Write');
  const pick = await vscode.window.showInformationMessage(
    planned.length === 1
      ? vscode.l10n.t(
          "Agent Sandbox will write this file, so that the agent's shell commands run in the sandbox and its direct file edits are refused:",
        )
      : vscode.l10n.t(
          "Agent Sandbox will write these files, so that the agent's shell commands run in the sandbox and its direct file edits are refused:",
        ),
    { modal: true, detail },
    write,
  );
  if (pick !== write) return false;
  for (const p of planned) {
    await fs.promises.mkdir(path.dirname(p.file), { recursive: true });
    await fs.promises.writeFile(p.file, p.content);
    deps.logger.info(`Wrote hook configuration ${p.file}.`);
  }
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Agent Sandbox: wrote {0}. Agents pick it up in their next session.',
      planned.map((p) => path.relative(root, p.file)).join(vscode.l10n.t(' and ')),
    ),
  );
  return true;
}
