/** A set-up plan as text for a terminal or a modal: a unified diff per file, then the warnings. */
import { createTwoFilesPatch } from 'diff';
import { AGENT_NAMES, type SetupPlan } from './plan';

export function planDiff(plan: SetupPlan): string {
  const name = AGENT_NAMES[plan.agent];
  if (!plan.edits.length)
    return `${name}: ${plan.undo ? 'nothing of the set-up is there to remove' : 'already set up; nothing to change'}.\n`;
  const parts = plan.edits.map((e) => {
    const what = e.before === undefined ? ' (new file)' : e.after === undefined ? ' (file removed)' : '';
    return createTwoFilesPatch(
      e.path,
      e.path,
      e.before ?? '',
      e.after ?? '',
      e.before === undefined ? 'absent' : 'now',
      `${plan.undo ? 'after undo' : 'after set-up'}${what}`,
    );
  });
  return parts.join('');
}

export function planWarnings(plan: SetupPlan): string {
  return plan.warnings.map((w) => `Note: ${w}\n`).join('');
}
