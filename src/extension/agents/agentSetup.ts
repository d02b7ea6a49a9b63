/**
 * The steps "Run Agent in Sandbox" offers when an agent is not ready: install its CLI into
 * the person's tools volume (npm runs in the hardened installer container, through the
 * proxy's npm preset), and give it its API through the allowlist with the key added by the
 * host proxy (the person's own settings: allowlist mode, the agent's preset, the network
 * credential that reads the key from the host's environment). Both ask first; neither
 * touches the workspace's settings, which may only tighten the policy.
 */
import * as vscode from 'vscode';
import { installTool } from '../../core/agentTools/install';
import { networkWithAgentAccess, type KnownAgent } from '../../core/tools/agentLaunch';
import { SETTINGS_SECTION } from '../settings';
import type { AgentEntryPointDeps } from './deps';
import { showError } from '../util/notify';

/** Installs `what` (claude, codex or an npm spec) into the tools volume; true when it worked. */
export async function installAgentTool(deps: AgentEntryPointDeps, what: string): Promise<boolean> {
  try {
    const policy = deps.controller.policy();
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Agent Sandbox: installing {0} into the tools volume', what),
        cancellable: true,
      },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          const result = await installTool({
            what,
            policy,
            signal: abort.signal,
            progress: (message) => {
              deps.logger.info(`tools install: ${message}`);
              progress.report({ message });
            },
            onOutput: (chunk) => deps.logger.info(`tools install: ${chunk.toString('utf8').trimEnd()}`),
          });
          deps.logger.info(`Installed ${result.pkg.spec} into ${result.volume} in ${Math.round(result.durationMs / 1000)} s.`);
        } finally {
          sub.dispose();
        }
      },
    );
    return true;
  } catch (err) {
    await showError(deps.logger, vscode.l10n.t('{0} was not installed into the tools volume', what), err);
    return false;
  }
}

/**
 * Writes the agent's network access into the person's user settings and restarts the sandbox
 * with them (same copy, new container). True when the sandbox is on again.
 */
export async function grantAgentNetwork(deps: AgentEntryPointDeps, name: string, agent: KnownAgent): Promise<boolean> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const next = networkWithAgentAccess(deps.controller.policy().network, agent);
  try {
    // The user layer only: a workspace setting could not widen the network anyway.
    await config.update('network.mode', next.mode, vscode.ConfigurationTarget.Global);
    await config.update('network.presets', next.presets, vscode.ConfigurationTarget.Global);
    await config.update('network.credentials', next.credentials, vscode.ConfigurationTarget.Global);
    deps.logger.info(`Gave ${name} its API through the allowlist (${next.presets.join(', ')}), with the key added by the host proxy.`);
    await deps.controller.start();
    return true;
  } catch (err) {
    await showError(deps.logger, vscode.l10n.t('The network for {0} was not set up', name), err);
    return false;
  }
}
