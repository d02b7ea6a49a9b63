// The Source Control menus of package.json and the context values the view gives its
// resources agree: Approve shows where approving changes something, Approve All only on the
// Pending group (never on "Needs a Closer Look"), and the diff editor's title shows the
// decisions only over a sandbox-side document.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resourceContextValue, SCM_GROUPS } from '../../../src/extension/scm/groups';
import type { FileItem } from '../../../src/protocol/review';

type MenuItem = { command: string; when?: string; group?: string };
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const menus = manifest.contributes.menus as Record<string, MenuItem[]>;

/** Evaluates the `scmResourceState =~ /…/` part of a when-clause against a context value. */
function matchesState(when: string, contextValue: string): boolean {
  const m = /scmResourceState =~ \/(.+?)\//.exec(when);
  return m ? new RegExp(m[1]!).test(contextValue) : true;
}

const file = (decision: FileItem['decision']): FileItem => ({ path: 'a', kind: 'modified', size: 1, risks: [], decision, hunkCount: 0 });

test('inline Approve and Reject show only where they change the decision', () => {
  const inline = menus['scm/resourceState/context']!.filter((i) => i.group?.startsWith('inline'));
  const approve = inline.find((i) => i.command === 'agentSandbox.approveChange')!;
  const reject = inline.find((i) => i.command === 'agentSandbox.rejectChange')!;
  assert.ok(approve.when?.includes('scmProvider == agentSandbox') && reject.when?.includes('scmProvider == agentSandbox'));
  assert.equal(matchesState(approve.when!, resourceContextValue(file('pending'))), true);
  assert.equal(matchesState(approve.when!, resourceContextValue(file('approved'))), false);
  assert.equal(matchesState(reject.when!, resourceContextValue(file('approved'))), true);
  assert.equal(matchesState(reject.when!, resourceContextValue(file('rejected'))), false);
});

test('Approve All is offered on the Pending group only', () => {
  const items = menus['scm/resourceGroup/context']!.filter((i) => i.command === 'agentSandbox.approveGroup');
  assert.ok(items.length > 0);
  for (const item of items) {
    const groups = SCM_GROUPS.filter((g) => new RegExp(`scmResourceGroup == ${g}\\b`).test(item.when ?? ''));
    assert.deepEqual(groups, ['pending'], item.when);
  }
});

test("the diff editor's title decides only over the sandbox side, and the decisions stay out of the palette", () => {
  const title = menus['editor/title']!.filter(
    (i) => i.command === 'agentSandbox.approveChange' || i.command === 'agentSandbox.rejectChange',
  );
  assert.equal(title.length, 2);
  for (const item of title) assert.match(item.when ?? '', /isInDiffEditor && resourceScheme == agent-sandbox(\s|$)/);
  for (const id of [
    'agentSandbox.approveChange',
    'agentSandbox.rejectChange',
    'agentSandbox.approveGroup',
    'agentSandbox.openInReviewPanel',
  ]) {
    assert.equal(menus.commandPalette!.find((i) => i.command === id)?.when, 'false', `${id} needs a file or group, not the palette`);
  }
});
