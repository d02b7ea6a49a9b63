/**
 * "Agent Sandbox: Set Up Agent…" and "Agent Sandbox: Remove Agent Setup…": for Claude Code,
 * Codex or Gemini CLI, the hook and the MCP server in that agent's own files (planned in
 * src/core/tools/agentSetup), shown in VS Code's diff editor and summed up in a modal with
 * what the person must set themselves, written only after they confirm. Removal takes away
 * exactly what the set-up added. VS Code's Local harness and GitHub Copilot have a hook but no
 * server file of theirs, so for them the pick hands over to the hook configuration command.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SandboxError } from '../../core/errors';
import {
  AGENT_NAMES,
  applySetupPlan,
  codexHome,
  planAgentSetup,
  setupFiles,
  type SetupAgent,
  type SetupPlan,
} from '../../core/tools/agentSetup';
import { launcherPath } from '../../core/tools/launcher';
import type { AgentEntryPointDeps } from './deps';
import { showError } from '../util/notify';
import { refreshLauncher, writeHookConfiguration } from './hookConfigCommand';
import type { SetupPreviewProvider } from './setupPreview';

export const SET_UP_AGENT_COMMAND = 'agentSandbox.setUpAgent';
export const REMOVE_AGENT_SETUP_COMMAND = 'agentSandbox.removeAgentSetup';

type Choice = vscode.QuickPickItem & ({ agent: SetupAgent } | { hookOnly: 'vscode' | 'copilot' });

function choices(root: string, undo: boolean): Choice[] {
  const files = (agent: SetupAgent) =>
    setupFiles(agent, { workspaceRoot: root, codexHome: codexHome() })
      .map((f) => (f.startsWith(`${root}${path.sep}`) ? path.relative(root, f) : f))
      .join(', ');
  const agents: Choice[] = (['claude', 'codex', 'gemini'] as const).map((agent) => ({
    label: AGENT_NAMES[agent],
    description: files(agent),
    agent,
  }));
  if (undo) return agents;
  return [
    ...agents,
    {
      label: 'VS Code Local harness (hook only)',
      description: '.github/hooks/agent-sandbox.json',
      detail: 'Its MCP server is registered by the extension itself',
      hookOnly: 'vscode',
    },
    {
      label: 'GitHub Copilot (hook only)',
      description: '.github/hooks/agent-sandbox-copilot.json',
      detail: 'Copilot harness in VS Code and Copilot CLI',
      hookOnly: 'copilot',
    },
  ];
}

function summary(plan: SetupPlan, root: string): string {
  const shown = (f: string) => (f.startsWith(`${root}${path.sep}`) ? path.relative(root, f) : f);
  const files = plan.edits.map(
    (e) => `${e.before === undefined ? 'create' : e.after === undefined ? 'delete' : 'change'} ${shown(e.path)}`,
  );
  return [...files, ...(plan.warnings.length ? ['', ...plan.warnings] : [])].join('\n');
}

/** Plans, shows, confirms and writes; returns whether it wrote. */
export async function runAgentSetup(
  deps: AgentEntryPointDeps,
  preview: SetupPreviewProvider,
  undo: boolean,
  preset?: SetupAgent,
): Promise<boolean> {
  const root = deps.controller.workspaceRoot;
  if (!root) {
    await showError(
      deps.logger,
      vscode.l10n.t('No agent was set up'),
      new SandboxError(
        'WORKSPACE_INVALID',
        vscode.l10n.t('No folder is open.'),
        vscode.l10n.t('Open a folder first; an agent is set up for a workspace.'),
      ),
    );
    return false;
  }
  const picked: Choice | undefined = preset
    ? { label: AGENT_NAMES[preset], agent: preset }
    : await vscode.window.showQuickPick(choices(root, undo), {
        title: undo
          ? vscode.l10n.t('Remove the Agent Sandbox set-up of which agent?')
          : vscode.l10n.t('Set up which agent to work through Agent Sandbox?'),
      });
  if (!picked) return false;
  if ('hookOnly' in picked) return writeHookConfiguration(deps, [picked.hookOnly]);
  const agent = picked.agent;
  let plan: SetupPlan;
  try {
    // Undo finds our entries by their form and needs no launcher; a set-up points at a fresh one.
    const launcher = undo ? launcherPath() : refreshLauncher(deps);
    plan = planAgentSetup(agent, { workspaceRoot: root, launcher, codexHome: codexHome() }, undo);
  } catch (err) {
    await showError(deps.logger, vscode.l10n.t('The set-up of {0} could not be planned', AGENT_NAMES[agent]), err);
    return false;
  }
  if (!plan.edits.length) {
    void vscode.window.showInformationMessage(
      undo
        ? vscode.l10n.t('Agent Sandbox: {0} has no Agent Sandbox set-up to remove.', AGENT_NAMES[agent])
        : vscode.l10n.t('Agent Sandbox: {0} is already set up; nothing to change.', AGENT_NAMES[agent]),
    );
    return false;
  }
  await preview.show(
    plan.edits,
    undo ? vscode.l10n.t('{0}: removing the set-up', AGENT_NAMES[agent]) : vscode.l10n.t('{0}: set-up', AGENT_NAMES[agent]),
  );
  const action = undo ? vscode.l10n.t('Remove') : vscode.l10n.t('Write');
  const pick = await vscode.window.showWarningMessage(
    undo
      ? vscode.l10n.t('Agent Sandbox will remove what it added for {0} (the diff is open):', AGENT_NAMES[agent])
      : vscode.l10n.t(
          'Agent Sandbox will set up {0} so that its shell commands and file edits go through the sandbox (the diff is open):',
          AGENT_NAMES[agent],
        ),
    { modal: true, detail: summary(plan, root) },
    action,
  );
  if (pick !== action) return false;
  try {
    applySetupPlan(plan);
  } catch (err) {
    await showError(deps.logger, vscode.l10n.t('The set-up of {0} was not written', AGENT_NAMES[agent]), err);
    return false;
  }
  for (const e of plan.edits)
    deps.logger.info(
      `${e.after === undefined ? 'Removed' : 'Wrote'} ${e.path} (${AGENT_NAMES[agent]} ${undo ? 'set-up removed' : 'set-up'}).`,
    );
  void vscode.window.showInformationMessage(
    undo
      ? vscode.l10n.t('Agent Sandbox: removed the set-up of {0}.', AGENT_NAMES[agent])
      : vscode.l10n.t('Agent Sandbox: {0} is set up; it picks the hook and the server up in its next session.', AGENT_NAMES[agent]),
  );
  return true;
}
