/**
 * Which Source Control group each changed file belongs to. Pure: no `vscode` here, so the
 * grouping is unit-tested. The groups follow the review panel's own file list (the same
 * `FileItem`s and the same `totalsOf`), so the view and the panel cannot disagree.
 */
import { decisionStatus, totalsOf, type FileItem, type Totals } from '../../protocol/review';

/**
 * closerLook: risky, never to be applied, or in conflict with the real tree; never approved in
 * bulk. pending: something in the file waits for a decision (`isPending`, the count on the
 * view's badge). approved: approved as a whole, or decided in parts (every hunk decided, some
 * approved: apply writes those). rejected: rejected as a whole.
 */
export const SCM_GROUPS = ['closerLook', 'pending', 'approved', 'rejected'] as const;
export type ScmGroupId = (typeof SCM_GROUPS)[number];

export function groupOf(file: FileItem): ScmGroupId {
  if (file.risks.length > 0 || file.neverApply !== undefined || file.conflict !== undefined) return 'closerLook';
  const status = decisionStatus(file);
  if (status === 'approved' || status === 'mixed') return 'approved';
  if (status === 'rejected') return 'rejected';
  return 'pending';
}

export interface GroupedFiles {
  readonly groups: Readonly<Record<ScmGroupId, readonly FileItem[]>>;
  /** The review panel's totals of the same files. */
  readonly totals: Totals;
}

/** Every file in exactly one group, each group sorted by path. */
export function groupFiles(files: readonly FileItem[]): GroupedFiles {
  const groups: Record<ScmGroupId, FileItem[]> = { closerLook: [], pending: [], approved: [], rejected: [] };
  for (const file of files) groups[groupOf(file)].push(file);
  for (const id of SCM_GROUPS) groups[id].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { groups, totals: totalsOf(files) };
}

/**
 * The files "Approve All" of a group decides: only undecided files of the Pending group.
 * Files in the closer-look group are decided one by one, as in the panel; a file decided in
 * parts keeps its per-hunk decisions.
 */
export function bulkApprovable(group: ScmGroupId, files: readonly FileItem[]): FileItem[] {
  if (group !== 'pending') return [];
  return files.filter((f) => groupOf(f) === 'pending' && f.decision === 'pending');
}

/** The context value of a resource: menus show Approve where it changes something, Reject likewise. */
export function resourceContextValue(file: FileItem): string {
  const group = groupOf(file);
  const canApprove = file.decision !== 'approved';
  const canReject = file.decision !== 'rejected';
  return [`agentSandbox.${group}`, canApprove ? 'approvable' : '', canReject ? 'rejectable' : ''].filter(Boolean).join(' ');
}
