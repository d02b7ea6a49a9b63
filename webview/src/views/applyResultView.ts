/**
 * The outcome of the last apply: what was written, merged, refused, and which conflicts
 * still need a choice (with the three choices as buttons).
 */
import type { ApplyResult, ConflictChoice } from '../../../src/protocol/review';
import { createButton } from '../components';
import { el } from '../dom';
import { t } from '../l10n';
import { conflictButtons } from './conflictChoices';

export class ApplyResultView {
  readonly element: HTMLElement;

  constructor(
    private readonly onResolve: (path: string, choice: ConflictChoice) => void,
    private readonly onMerge: (path: string) => void = () => undefined,
  ) {
    this.element = el('section', { className: 'apply-result', attrs: { 'aria-label': t('Last apply'), hidden: '' } });
  }

  show(result: ApplyResult): void {
    const sections: HTMLElement[] = [
      el('h2', {
        text: t(
          'Applied {0}, merged {1}, {2} in conflict, {3} refused',
          result.applied.length,
          result.merged.length,
          result.conflicts.length,
          result.refused.length,
        ),
      }),
    ];
    if (result.conflicts.length > 0) {
      const list = el('ul', { className: 'conflict-list' });
      for (const conflict of result.conflicts) {
        list.append(
          el('li', {}, [
            el('span', { className: 'result-path', text: conflict.path }),
            el('span', { className: 'result-reason', text: conflict.detail }),
            ...conflictButtons(conflict.path, conflict.choices, { resolve: this.onResolve, mergeInEditor: this.onMerge }, true),
          ]),
        );
      }
      sections.push(list);
    }
    if (result.refused.length > 0) {
      const list = el('ul', { className: 'refused-list' });
      for (const refused of result.refused) {
        list.append(
          el('li', {}, [
            el('span', { className: 'result-path', text: refused.path }),
            el('span', { className: 'result-reason', text: refused.reason }),
          ]),
        );
      }
      sections.push(el('h3', { text: t('Refused') }), list);
    }
    sections.push(createButton(t('Dismiss'), { appearance: 'secondary', onClick: () => (this.element.hidden = true) }));
    this.element.replaceChildren(...sections);
    this.element.hidden = false;
  }
}
