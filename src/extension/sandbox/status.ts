/**
 * The sandbox's state as a person sees it: a mode, a short reason in words when it is not
 * healthy, and the count of pending changes. Pure: no `vscode` here, so the words are
 * unit-tested.
 */
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
export function reasonForCode(code: SandboxErrorCode | undefined): string {
  switch (code) {
    case 'ENGINE_UNREACHABLE':
      return 'engine unreachable';
    case 'IMAGE_MISSING':
      return 'image missing';
    case 'IMAGE_BUILD_FAILED':
      return 'image build failed';
    case 'HARDENING_NOT_APPLIED':
      return 'hardening not applied';
    case 'POLICY_INVALID':
      return 'invalid policy';
    case 'WORKSPACE_INVALID':
      return 'no usable workspace';
    case 'SESSION_NOT_RUNNING':
      return 'container stopped';
    case 'SESSION_BUSY':
      return 'session busy';
    case 'SNAPSHOT_FAILED':
      return 'workspace copy failed';
    case 'DISK_CAP_EXCEEDED':
      return 'disk cap reached';
    case 'CANCELLED':
      return 'start cancelled';
    default:
      return 'failed';
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
export function statusBarText(status: SandboxStatus): string {
  const parts = [`${ICONS[status.mode]} Sandbox: ${status.mode}`];
  if (status.mode === 'off' && status.restricted) parts.push('(Restricted Mode)');
  if ((status.mode === 'degraded' || status.mode === 'error') && status.reason) parts.push(`(${status.reason})`);
  if (status.pending !== undefined && status.pending > 0) parts.push(`$(diff) ${status.pending} pending`);
  else if (decidedWaiting(status) > 0) parts.push(`$(check-all) ${decidedWaiting(status)} to apply`);
  return parts.join(' ');
}

/** What the sandbox enforces, in a few lines, for the tooltip. */
export function enforcementSummary(policy: Policy): string[] {
  const network =
    policy.network.mode === 'none'
      ? 'no network'
      : `network only to ${policy.network.allow.length ? policy.network.allow.join(', ') : '(nothing allowed yet)'}`;
  return [
    'Commands run in a hardened container on a throwaway copy of the workspace; nothing reaches your files until you approve it.',
    `Limits: ${policy.cpus} CPU, ${policy.memoryMb} MiB memory, ${policy.pids} processes, ${policy.commandTimeoutSec} s per command, ${policy.diskCapMb} MiB of changes.`,
    `Network: ${network}. Non-root user, no capabilities, read-only image, no host environment except ${policy.envAllowlist.join(', ') || 'nothing'}.`,
    `Left out of the copy: ${policy.exclude.length} secret patterns (${policy.exclude.slice(0, 4).join(', ')}${policy.exclude.length > 4 ? ', …' : ''}).`,
  ];
}

export function statusBarTooltip(status: SandboxStatus, policy: Policy | undefined): string {
  const lines: string[] = [];
  switch (status.mode) {
    case 'off':
      lines.push(
        status.restricted
          ? 'Agent Sandbox is off. This folder is in Restricted Mode: trust it to start the sandbox.'
          : hasChangesToReview(status)
            ? 'Agent Sandbox is off. Click to review the changes. Agent tools refuse to run while it is off.'
            : 'Agent Sandbox is off. Click to turn sandbox mode on. Agent tools refuse to run while it is off.',
      );
      break;
    case 'starting':
      lines.push(`Agent Sandbox is starting${status.reason ? `: ${status.reason}` : ''}.`);
      break;
    case 'on':
      lines.push(
        hasChangesToReview(status)
          ? 'Agent Sandbox is on. Click to review the changes.'
          : 'Agent Sandbox is on. Click to turn it off (pending changes are kept).',
      );
      break;
    case 'degraded':
    case 'error':
      lines.push(`Agent Sandbox is ${status.mode}: ${status.detail ?? status.reason ?? 'unknown problem'}`);
      lines.push('Agent tools refuse to run until the sandbox is healthy again (fail closed). Click for options.');
      break;
  }
  if (status.pending !== undefined) lines.push(`${status.pending} pending change${status.pending === 1 ? '' : 's'} to review.`);
  const waiting = decidedWaiting(status);
  if (waiting > 0) lines.push(`${waiting} decided change${waiting === 1 ? '' : 's'} not applied yet.`);
  if (policy) lines.push('', ...enforcementSummary(policy));
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
): string {
  const words = statusBarTooltip(status, policy)
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
export function describePreparing(activity: KeeperActivity): { text: string; tooltip: string } {
  switch (activity.kind) {
    case 'preparing': {
      const so = activity.entries ? ` (${activity.entries.toLocaleString('en-US')} entries so far)` : '';
      return {
        text: `$(sync~spin) Sandbox copy${activity.entries ? `: ${activity.entries.toLocaleString('en-US')}` : ''}`,
        tooltip: `Agent Sandbox is preparing the workspace copy in the background${so}, so that the sandbox starts fast. Click to cancel; a start takes over from there.`,
      };
    }
    case 'done':
      return { text: '', tooltip: describePrepare(activity.result) };
    case 'cancelled':
      return { text: '', tooltip: 'Preparing the workspace copy was cancelled.' };
    case 'failed':
      return {
        text: '',
        tooltip: `Preparing the workspace copy in the background failed: ${activity.message} The sandbox still starts; it makes the copy then.`,
      };
  }
}
