/**
 * Which fix an error notification offers as its buttons. Pure (no `vscode`), so the choice is
 * unit-tested; util/notify.ts turns each fix into a labelled button that runs it.
 */
import type { SandboxErrorCode } from '../../core/errors';

export type FixAction =
  /** Restricted Mode: open VS Code's Workspace Trust editor. */
  | 'trustFolder'
  /** No folder on disk is open. */
  | 'openFolder'
  /** Sandbox mode is off, or the sandbox stopped: start it (again). */
  | 'startSandbox'
  /** The pending changes need a look (disk cap, changes that would be lost). */
  | 'reviewChanges'
  /** A setting decides it (image, base image, runtime, policy): the extension's settings. */
  | 'openSettings'
  /** The Docker engine is missing or not running: how to install and start it. */
  | 'openEngineDocs'
  /** The details are in the log. */
  | 'showLogs';

export interface FixFacts {
  /** The error's code, when it is a SandboxError. */
  readonly code: SandboxErrorCode | undefined;
  /** vscode.workspace.isTrusted */
  readonly trusted: boolean;
  /** A folder on disk is open. */
  readonly hasFolder: boolean;
}

/** The fixes, most useful first (VS Code shows at most three buttons well). */
export function fixActionsFor(facts: FixFacts): FixAction[] {
  if (facts.code === 'CANCELLED') return [];
  if (!facts.hasFolder && facts.code === 'WORKSPACE_INVALID') return ['openFolder'];
  // In Restricted Mode the sandbox does not start, whatever was asked of it: trust comes first.
  if (!facts.trusted && (facts.code === 'WORKSPACE_INVALID' || facts.code === 'SESSION_NOT_RUNNING')) return ['trustFolder'];
  switch (facts.code) {
    case 'SESSION_NOT_RUNNING':
      return ['startSandbox', 'showLogs'];
    case 'ENGINE_UNREACHABLE':
      return ['openEngineDocs', 'showLogs'];
    case 'IMAGE_MISSING':
    case 'IMAGE_BUILD_FAILED':
    case 'HARDENING_NOT_APPLIED':
    case 'POLICY_INVALID':
      return ['openSettings', 'showLogs'];
    case 'DISK_CAP_EXCEEDED':
    case 'CHANGES_PENDING':
      return ['reviewChanges', 'showLogs'];
    default:
      return ['showLogs'];
  }
}

/** Docker's page on getting the engine, for "Docker engine not reachable". */
export const ENGINE_DOCS_URL = 'https://docs.docker.com/get-started/get-docker/';
