/**
 * The keys the panel documents, as data: each entry names the keys a person presses, where
 * they work, and what they do. The unit tests check every documented key against
 * `listCommandFor` / `diffCommandFor`, so the help cannot promise a key the panel ignores.
 */
import { t } from '../l10n';
import type { DiffCommand, ListCommand } from './keyboard';

export type KeyScope = 'list' | 'diff' | 'panel';

export interface KeyHelpEntry {
  readonly scope: KeyScope;
  /** `KeyboardEvent.key` values, any of which does the same. */
  readonly keys: readonly string[];
  /** What the keys are shown as (e.g. "j / ↓"). */
  readonly label: string;
  readonly what: string;
  /** The command the keys mean, for the list and the diff. */
  readonly command?: ListCommand['type'] | DiffCommand['type'];
}

/** The key that opens and closes the keyboard help. */
export const HELP_KEY = '?';

export function keyHelp(): readonly KeyHelpEntry[] {
  return [
    { scope: 'list', keys: ['j', 'ArrowDown'], label: 'j / ↓', what: t('next file'), command: 'move' },
    { scope: 'list', keys: ['k', 'ArrowUp'], label: 'k / ↑', what: t('previous file'), command: 'move' },
    { scope: 'list', keys: ['Home', 'End'], label: 'Home / End', what: t('first / last file') },
    { scope: 'list', keys: ['PageUp', 'PageDown'], label: 'PgUp / PgDn', what: t('a page up / down'), command: 'page' },
    { scope: 'list', keys: ['Enter'], label: 'Enter', what: t("open the file's diff"), command: 'open' },
    { scope: 'list', keys: ['ArrowRight', 'ArrowLeft'], label: '→ / ←', what: t('expand / collapse a group') },
    { scope: 'list', keys: ['a'], label: 'a', what: t('approve the file'), command: 'approve' },
    { scope: 'list', keys: ['r'], label: 'r', what: t('reject the file (asks for a reason)'), command: 'reject' },
    { scope: 'list', keys: ['o'], label: 'o', what: t("open VS Code's diff editor"), command: 'nativeDiff' },
    { scope: 'diff', keys: ['n', 'p'], label: 'n / p', what: t('next / previous hunk'), command: 'hunk' },
    { scope: 'diff', keys: ['a'], label: 'a', what: t('approve the hunk'), command: 'approve' },
    { scope: 'diff', keys: ['r'], label: 'r', what: t('reject the hunk (asks for a reason)'), command: 'reject' },
    { scope: 'diff', keys: ['o'], label: 'o', what: t("open VS Code's diff editor"), command: 'nativeDiff' },
    { scope: 'diff', keys: ['Escape'], label: 'Esc', what: t('back to the file list'), command: 'back' },
    { scope: 'panel', keys: ['Tab'], label: 'Tab / Shift+Tab', what: t('next / previous control; wraps around the panel') },
    { scope: 'panel', keys: [HELP_KEY], label: '?', what: t('show or hide these keys') },
  ];
}

/** The one-line summary always shown at the bottom of the panel. */
export function keyHelpLine(): string {
  return t('Keys: j/k or ↑/↓ move, Enter opens, a approve, r reject, n/p hunks, o diff editor, Esc back, ? all keys');
}
