/**
 * The sandbox's state as a person sees it: a mode, a short reason in words when it is not
 * healthy, and the count of pending changes. Pure: no `vscode` here, so the words are
 * unit-tested; they go through `t`, which the extension sets to `vscode.l10n.t`.
 */
import { plainTranslate, type Translate } from '../../core/auditFormat';
import { runtimeChoiceLabel } from '../../core/engine/runtimes';
import type { SandboxErrorCode } from '../../core/errors';
import type { Policy } from '../../core/policy';
import type { KeeperActivity } from '../../core/snapshot/baseKeeper';
import { describePrepare } from '../../core/snapshot/prepareBase';

/**
 * off: sandbox mode is off. starting: the sandbox is being set up. on: running and healthy.
 * degraded: mode is on and the engine answers, but the sandbox cannot take work (container
 * stopped, disk cap reached). error: mode is on and the sandbox cannot run at all.
 */
export type SandboxMode = 'off' | 'starting' | 'on' | 'degraded' | 'error';

export interface SandboxStatus {
  readonly mode: SandboxMode;
  /** A few words on why the sandbox is not healthy (degraded, error), or what it is doing (starting). */
  readonly reason?: string;
  /** The full message and hint, for tooltips and refusals. */
  readonly detail?: string;
  /** Changes in the sandbox copy still waiting for a decision (`pendingCount`); undefined when unknown. */
  readonly pending?: number;
  /**
   * Every change in the sandbox copy not applied yet, decided or not; undefined when unknown.
   * With none pending, decided changes still wait for apply: review opens for them too.
   */
  readonly unapplied?: number;
  /** True while the workspace is in Restricted Mode (not trusted). */
  readonly restricted?: boolean;
}

/** Short words for an error code, for the status bar. */
export function reasonForCode(code: SandboxErrorCode | undefined, t: Translate = plainTranslate): string {
  switch (code) {
    case 'ENGINE_UNREACHABLE':
      return t('engine unreachable');
    case 'IMAGE_MISSING':
      return t('image missing');
    case 'IMAGE_BUILD_FAILED':
      return t('image build failed');
    case 'HARDENING_NOT_APPLIED':
      return t('hardening not applied');
    case 'POLICY_INVALID':
      return t('invalid policy');
    case 'WORKSPACE_INVALID':
      return t('no usable workspace');
    case 'SESSION_NOT_RUNNING':
      return t('container stopped');
    case 'SESSION_BUSY':
      return t('session busy');
    case 'SNAPSHOT_FAILED':
      return t('workspace copy failed');
    case 'DISK_CAP_EXCEEDED':
      return t('disk cap reached');
    case 'CANCELLED':
      return t('start cancelled');
    default:
      return t('failed');
  }
}

const ICONS: Readonly<Record<SandboxMode, string>> = {
  off: '$(circle-slash)',
  starting: '$(loading~spin)',
  on: '$(shield)',
  degraded: '$(warning)',
  error: '$(error)',
};

/** True when the copy holds changes not applied yet (pending or decided): a click opens review. */
export function hasChangesToReview(status: SandboxStatus): boolean {
  return (status.unapplied ?? status.pending ?? 0) > 0;
}

/** Decided changes waiting for apply when none is pending (the status bar shows them instead). */
function decidedWaiting(status: SandboxStatus): number {
  if ((status.pending ?? 0) > 0) return 0;
  return status.unapplied ?? 0;
}

/** The status bar text: icon, mode, the reason in words, and the pending count. */
/** The mode in the status bar's words. */
function modeText(mode: SandboxMode, t: Translate): string {
  switch (mode) {
    case 'off':
      return t('Sandbox: off');
    case 'starting':
      return t('Sandbox: starting');
    case 'on':
      return t('Sandbox: on');
    case 'degraded':
      return t('Sandbox: degraded');
    case 'error':
      return t('Sandbox: error');
  }
}

export function statusBarText(status: SandboxStatus, t: Translate = plainTranslate): string {
  const parts = [`${ICONS[status.mode]} ${modeText(status.mode, t)}`];
  if (status.mode === 'off' && status.restricted) parts.push(t('(Restricted Mode)'));
  if ((status.mode === 'degraded' || status.mode === 'error') && status.reason) parts.push(t('({0})', status.reason));
  if (status.pending !== undefined && status.pending > 0) parts.push(`$(diff) ${t('{0} pending', status.pending)}`);
  else if (decidedWaiting(status) > 0) parts.push(`$(check-all) ${t('{0} to apply', decidedWaiting(status))}`);
  return parts.join(' ');
}

/** What the sandbox enforces, in a few lines, for the tooltip. */
export function enforcementSummary(policy: Policy, t: Translate = plainTranslate): string[] {
  const network =
    policy.network.mode === 'none'
      ? t('no network')
      : policy.network.allow.length
        ? t('network only to {0}', policy.network.allow.join(', '))
        : t('network only to (nothing allowed yet)');
  const env = policy.envAllowlist.join(', ');
  const patterns = `${policy.exclude.slice(0, 4).join(', ')}${policy.exclude.length > 4 ? ', …' : ''}`;
  return [
    t('Commands run in a hardened container on a throwaway copy of the workspace; nothing reaches your files until you approve it.'),
    t('Runtime: {0}.', runtimeChoiceLabel(policy.runtime)),
    t(
      'Limits: {0} CPU, {1} MiB memory, {2} processes, {3} s per command, {4} MiB of changes.',
      policy.cpus,
      policy.memoryMb,
      policy.pids,
      policy.commandTimeoutSec,
      policy.diskCapMb,
    ),
    env
      ? t('Network: {0}. Non-root user, no capabilities, read-only image, no host environment except {1}.', network, env)
      : t('Network: {0}. Non-root user, no capabilities, read-only image, no host environment except nothing.', network),
    t('Left out of the copy: {0} secret patterns ({1}).', policy.exclude.length, patterns),
  ];
}

export function statusBarTooltip(status: SandboxStatus, policy: Policy | undefined, t: Translate = plainTranslate): string {
  const lines: string[] = [];
  switch (status.mode) {
    case 'off':
      lines.push(
        status.restricted
          ? t('Agent Sandbox is off. This folder is in Restricted Mode: trust it to start the sandbox.')
          : hasChangesToReview(status)
            ? t('Agent Sandbox is off. Click to review the changes. Agent tools refuse to run while it is off.')
            : t('Agent Sandbox is off. Click to turn sandbox mode on. Agent tools refuse to run while it is off.'),
      );
      break;
    case 'starting':
      lines.push(status.reason ? t('Agent Sandbox is starting: {0}.', status.reason) : t('Agent Sandbox is starting.'));
      break;
    case 'on':
      lines.push(
        hasChangesToReview(status)
          ? t('Agent Sandbox is on. Click to review the changes.')
          : t('Agent Sandbox is on. Click to turn it off (pending changes are kept).'),
      );
      break;
    case 'degraded':
    case 'error':
      lines.push(
        status.mode === 'degraded'
          ? t('Agent Sandbox is degraded: {0}', status.detail ?? status.reason ?? t('unknown problem'))
          : t('Agent Sandbox is error: {0}', status.detail ?? status.reason ?? t('unknown problem')),
      );
      lines.push(t('Agent tools refuse to run until the sandbox is healthy again (fail closed). Click for options.'));
      break;
  }
  if (status.pending !== undefined)
    lines.push(status.pending === 1 ? t('1 pending change to review.') : t('{0} pending changes to review.', status.pending));
  const waiting = decidedWaiting(status);
  if (waiting > 0) lines.push(waiting === 1 ? t('1 decided change not applied yet.') : t('{0} decided changes not applied yet.', waiting));
  if (policy) lines.push('', ...enforcementSummary(policy, t));
  return lines.join('\n');
}

/**
 * The commands the markdown tooltip links to. The tooltip's MarkdownString trusts exactly
 * these, so no other `command:` link in it (from an error message, say) can run.
 */
export const TOOLTIP_COMMANDS = [
  'agentSandbox.reviewChanges',
  'agentSandbox.start',
  'agentSandbox.stop',
  'agentSandbox.showPolicy',
  'agentSandbox.showLogs',
] as const;
export type TooltipCommand = (typeof TOOLTIP_COMMANDS)[number];

/** Escapes text so markdown shows it as written (a `[x](command:…)` in a message stays text). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#!|<>~$]/g, '\\$&');
}

/**
 * The tooltip as markdown: the words of `statusBarTooltip`, escaped, then links to what a
 * person does next. Turning the sandbox off stays one click away here now that a click on
 * the item opens review when changes are pending. `labels` are the links' words (localized
 * by the caller).
 */
export function statusBarTooltipMarkdown(
  status: SandboxStatus,
  policy: Policy | undefined,
  labels: Readonly<Record<TooltipCommand, string>> = DEFAULT_LINK_LABELS,
  t: Translate = plainTranslate,
): string {
  const words = statusBarTooltip(status, policy, t)
    .split('\n')
    .map((line) => escapeMarkdown(line))
    .join('\n\n');
  const links: TooltipCommand[] = [];
  if (hasChangesToReview(status)) links.push('agentSandbox.reviewChanges');
  if (status.mode !== 'off') links.push('agentSandbox.stop');
  else if (!status.restricted) links.push('agentSandbox.start');
  links.push('agentSandbox.showPolicy', 'agentSandbox.showLogs');
  const line = links.map((id) => `[${escapeMarkdown(labels[id])}](command:${id})`).join(' · ');
  return `${words}\n\n---\n\n${line}`;
}

export const DEFAULT_LINK_LABELS: Readonly<Record<TooltipCommand, string>> = {
  'agentSandbox.reviewChanges': 'Review Changes',
  'agentSandbox.start': 'Start Sandbox',
  'agentSandbox.stop': 'Stop Sandbox',
  'agentSandbox.showPolicy': 'Show Policy',
  'agentSandbox.showLogs': 'Show Logs',
};

/** The background copy's status bar item (shown while it works) and its log line. */
export function describePreparing(activity: KeeperActivity, t: Translate = plainTranslate): { text: string; tooltip: string } {
  switch (activity.kind) {
    case 'preparing': {
      const entries = activity.entries ? activity.entries.toLocaleString('en-US') : undefined;
      return {
        text: `$(sync~spin) ${entries ? t('Sandbox copy: {0}', entries) : t('Sandbox copy')}`,
        tooltip: entries
          ? t(
              'Agent Sandbox is preparing the workspace copy in the background ({0} entries so far), so that the sandbox starts fast. Click to cancel; a start takes over from there.',
              entries,
            )
          : t(
              'Agent Sandbox is preparing the workspace copy in the background, so that the sandbox starts fast. Click to cancel; a start takes over from there.',
            ),
      };
    }
    case 'done':
      return { text: '', tooltip: describePrepare(activity.result) };
    case 'cancelled':
      return { text: '', tooltip: t('Preparing the workspace copy was cancelled.') };
    case 'failed':
      return {
        text: '',
        tooltip: t(
          'Preparing the workspace copy in the background failed: {0} The sandbox still starts; it makes the copy then.',
          activity.message,
        ),
      };
  }
}
