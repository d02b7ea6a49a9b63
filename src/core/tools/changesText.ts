/** The pending change set as a model reads it: one line per path, decisions, optional diffs. */
import type { Airlock } from '../airlock';
import { NOT_APPLIED_REMINDER, trimMiddle } from './results';

/** Diff text kept in one list_changes result. */
const DIFF_BUDGET_BYTES = 48 * 1024;

export async function describeChanges(airlock: Airlock, options: { diff: boolean; paths?: readonly string[] }): Promise<string> {
  const set = await airlock.changes();
  const review = await airlock.review();
  const wanted = options.paths ? new Set(options.paths) : undefined;
  const entries = set.entries.filter((e) => !wanted || wanted.has(e.path));
  if (!entries.length) {
    const missing = options.paths?.length ? ` for ${options.paths.join(', ')}` : '';
    return `No pending changes${missing}: the sandbox copy matches what it started from (or what was already applied).`;
  }
  const lines = [`${entries.length} pending change${entries.length === 1 ? '' : 's'} in the sandbox copy, waiting for review:`];
  for (const e of entries) {
    const notes: string[] = [];
    const decision = review.fileDecision(e).state;
    if (decision !== 'pending') notes.push(decision);
    else if (review.hasHunkDecisions(e.path)) notes.push('partly reviewed');
    for (const r of e.risks) notes.push(`risky: ${r.reason}`);
    for (const r of e.neverApply) notes.push(`will not be applied: ${r.reason}`);
    if (e.sandbox?.content === 'binary' || e.base?.content === 'binary') notes.push('binary');
    lines.push(`- ${e.kind} ${e.path}${notes.length ? ` [${notes.join('; ')}]` : ''}`);
  }
  if (options.diff) {
    let budget = DIFF_BUDGET_BYTES;
    for (const e of entries) {
      if (budget <= 0) {
        lines.push('[Diffs of the remaining files left out to keep this short; ask for them with paths.]');
        break;
      }
      const text = await airlock.diff(e.path);
      if (!text) continue;
      const { text: trimmed } = trimMiddle(Buffer.from(text, 'utf8'), budget);
      lines.push('', `diff of ${e.path}:`, trimmed);
      budget -= Buffer.byteLength(trimmed);
    }
  }
  if (wanted) for (const p of wanted) if (!set.get(p)) lines.push(`(${p}: no pending change)`);
  lines.push(NOT_APPLIED_REMINDER);
  return lines.join('\n');
}
