/**
 * The ways out of a conflict, in the person's words: keep their version, take the
 * sandbox's, or merge the two in VS Code's merge editor (offered when both sides are text,
 * the same files the conflict-marker merge works for).
 */
import type { ConflictChoice } from '../../../src/protocol/review';
import { createButton } from '../components';
import { t } from '../l10n';

export interface ConflictChoiceEvents {
  resolve(path: string, choice: ConflictChoice): void;
  mergeInEditor(path: string): void;
}

export interface ChoiceWords {
  readonly label: string;
  readonly title: string;
}

export function keepMineWords(): ChoiceWords {
  return { label: t('Keep my version'), title: t("Keep your file as it is now and set the sandbox's change to it aside") };
}

export function takeSandboxWords(): ChoiceWords {
  return { label: t("Take the sandbox's"), title: t("Replace your file with the sandbox's version (asks you first)") };
}

export function mergeWords(): ChoiceWords {
  return {
    label: t('Merge in the editor'),
    title: t("Open VS Code's merge editor with your version and the sandbox's; completing the merge writes your file"),
  };
}

/** What the person reads for each offered choice, in the order they are offered. */
export function choiceWords(choices: readonly ConflictChoice[]): { choice: ConflictChoice; words: ChoiceWords }[] {
  const order: ConflictChoice[] = ['keep-theirs', 'take-sandbox', 'write-markers'];
  const words: Record<ConflictChoice, () => ChoiceWords> = {
    'keep-theirs': keepMineWords,
    'take-sandbox': takeSandboxWords,
    'write-markers': mergeWords,
  };
  return order.filter((c) => choices.includes(c)).map((choice) => ({ choice, words: words[choice]() }));
}

/** The buttons for one conflicting file; `context` names the file in each button's accessible name. */
export function conflictButtons(
  path: string,
  choices: readonly ConflictChoice[],
  events: ConflictChoiceEvents,
  withPathInName = false,
): HTMLElement[] {
  return choiceWords(choices).map(({ choice, words }) => {
    const button = createButton(words.label, {
      appearance: choice === 'keep-theirs' ? 'primary' : 'secondary',
      title: words.title,
      ...(withPathInName ? { ariaLabel: t('{0} for {1}', words.label, path) } : {}),
      onClick: () => (choice === 'write-markers' ? events.mergeInEditor(path) : events.resolve(path, choice)),
    });
    button.dataset.choice = choice;
    return button;
  });
}

/** The line above the choices. */
export function conflictExplanation(detail: string, canMerge: boolean): string {
  const what = t('You changed this file since the sandbox started, and so did the sandbox ({0}).', detail);
  return canMerge ? `${what} ${t('After you complete a merge in the editor, choose "Keep my version" to keep the result.')}` : what;
}
