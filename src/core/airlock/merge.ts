/**
 * Three-way text merge of the person's file (theirs), the snapshot's base and the sandbox's
 * (or the approved part of it). Works on lines with their endings, so untouched bytes survive.
 */
import type * as NodeDiff3 from 'node-diff3' with { 'resolution-mode': 'import' };

// node-diff3 is an ES module with a CommonJS build; this project compiles to CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { diff3Merge } = require('node-diff3') as typeof NodeDiff3;
import { splitLines } from './hunks';

export type MergeOutcome =
  { readonly clean: true; readonly text: string } | { readonly clean: false; readonly conflicts: number; readonly withMarkers: string };

export function mergeText(
  theirs: string,
  base: string,
  ours: string,
  labels = { theirs: 'your tree', base: 'snapshot', ours: 'sandbox' },
): MergeOutcome {
  const regions = diff3Merge(splitLines(theirs), splitLines(base), splitLines(ours), { excludeFalseConflicts: true });
  const clean: string[] = [];
  const marked: string[] = [];
  let conflicts = 0;
  const endLine = (lines: string[]) => (lines.length && !lines.at(-1)!.endsWith('\n') ? ['\n'] : []);
  for (const region of regions) {
    if (region.ok) {
      clean.push(...region.ok);
      marked.push(...region.ok);
    } else if (region.conflict) {
      conflicts++;
      const { a, o, b } = region.conflict;
      marked.push(
        `<<<<<<< ${labels.theirs}\n`,
        ...a,
        ...endLine(a),
        `||||||| ${labels.base}\n`,
        ...o,
        ...endLine(o),
        '=======\n',
        ...b,
        ...endLine(b),
        `>>>>>>> ${labels.ours}\n`,
      );
    }
  }
  if (conflicts === 0) return { clean: true, text: clean.join('') };
  return { clean: false, conflicts, withMarkers: marked.join('') };
}
