/**
 * What the extension keeps for this workspace across reloads: whether the person turned
 * sandbox mode on, and the domains they allowed "always for this workspace". It lives in VS
 * Code's workspace state, outside the folder, so the repository can set neither.
 */
import type * as vscode from 'vscode';

const ENABLED_KEY = 'agentSandbox.enabled';
const NETWORK_APPROVALS_KEY = 'agentSandbox.networkApprovals';

export class StoredState {
  constructor(private readonly state: vscode.Memento) {}

  /** True when the person turned sandbox mode on in this workspace. */
  get enabled(): boolean {
    return this.state.get<boolean>(ENABLED_KEY, false);
  }

  setEnabled(enabled: boolean): Thenable<void> {
    return this.state.update(ENABLED_KEY, enabled);
  }

  /** Network rules (host or host:port) the person allowed for every session of this workspace. */
  get networkApprovals(): readonly string[] {
    return this.state.get<string[]>(NETWORK_APPROVALS_KEY, []);
  }

  setNetworkApprovals(rules: readonly string[]): Thenable<void> {
    return this.state.update(NETWORK_APPROVALS_KEY, [...rules]);
  }
}
