/**
 * The sandbox network's side in the editor: it puts a domain no rule names to the person
 * (policy network.unlisted = "ask"), keeps the domains they allowed "always for this
 * workspace" in the workspace state, and passes on every request the proxy decided on.
 */
import * as vscode from 'vscode';
import type { AskAnswer, AskRequest } from '../../core/network/gate';
import type { NetworkLogRecord } from '../../core/network/log';
import { ruleForHostPort } from '../../core/network/rules';
import type { Policy } from '../../core/policy';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { answerForChoice, ASK_CHOICES, withApproval, withApprovedDomains } from './approvedDomains';
import type { StoredState } from './storedState';

export class NetworkApprovals extends Disposable {
  private readonly recordEmitter = this._register(new vscode.EventEmitter<NetworkLogRecord>());
  /** Every request the sandbox's network proxy decided on, as it happens. */
  readonly onNetworkRecord = this.recordEmitter.event;

  /** What a start gives the session's network: the prompt, and where its decisions go. */
  readonly hooks = {
    onAsk: (request: AskRequest): Promise<AskAnswer> => this.ask(request),
    onRecord: (record: NetworkLogRecord): void => {
      this.logger.debug(`network: ${JSON.stringify(record)}`);
      this.recordEmitter.fire(record);
    },
  };

  constructor(
    private readonly stored: StoredState,
    private readonly logger: Logger,
  ) {
    super();
  }

  /**
   * The policy with the domains the person allowed "always for this workspace": kept in this
   * extension's own workspace state, out of the repository's reach; deny rules still win.
   */
  withApprovals(policy: Policy): Policy {
    return withApprovedDomains(policy, this.stored.networkApprovals);
  }

  /** Puts a domain no rule names to the person (policy network.unlisted = "ask"). */
  private async ask(request: AskRequest): Promise<AskAnswer> {
    this.logger.info(`network: the sandbox asks to reach ${request.host}:${request.port} (${request.method})`);
    // The buttons in the person's language, answered by position (ASK_CHOICES is the English).
    const labels = [
      vscode.l10n.t('Allow Once'),
      vscode.l10n.t('Allow for This Session'),
      vscode.l10n.t('Always for This Workspace'),
      vscode.l10n.t('Deny'),
    ];
    const picked = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        'Agent Sandbox: a command in the sandbox wants to reach {0}, which no network rule allows.',
        `${request.host}:${request.port}`,
      ),
      ...labels,
    );
    const index = picked === undefined ? -1 : labels.indexOf(picked);
    const answer = answerForChoice(index >= 0 ? ASK_CHOICES[index] : undefined);
    if (answer === 'allow-workspace') {
      await this.stored.setNetworkApprovals(withApproval(this.stored.networkApprovals, ruleForHostPort(request.host, request.port)));
    }
    this.logger.info(`network: ${request.host}:${request.port} -> ${answer}`);
    return answer;
  }
}
