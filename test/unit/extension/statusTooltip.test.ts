import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { escapeMarkdown, hasChangesToReview, statusBarTooltipMarkdown, TOOLTIP_COMMANDS } from '../../../src/extension/sandbox/status';

const links = (md: string) => [...md.matchAll(/\[([^\]]*)\]\(command:([^)]*)\)/g)].map((m) => `${m[1]}=${m[2]}`);

test('with changes pending, the tooltip links to review first and keeps stopping one click away', () => {
  const md = statusBarTooltipMarkdown({ mode: 'on', pending: 7 }, DEFAULT_POLICY);
  assert.match(md, /Click to review the changes\./);
  assert.deepEqual(links(md), [
    'Review Changes=agentSandbox.reviewChanges',
    'Stop Sandbox=agentSandbox.stop',
    'Show Policy=agentSandbox.showPolicy',
    'Show Logs=agentSandbox.showLogs',
  ]);
});

test('without pending changes there is no review link, and an off sandbox offers Start', () => {
  assert.match(statusBarTooltipMarkdown({ mode: 'on', pending: 0 }, undefined), /Click to turn it off/);
  assert.deepEqual(links(statusBarTooltipMarkdown({ mode: 'off' }, undefined)), [
    'Start Sandbox=agentSandbox.start',
    'Show Policy=agentSandbox.showPolicy',
    'Show Logs=agentSandbox.showLogs',
  ]);
  // Restricted Mode: starting would be refused, so it is not offered.
  assert.ok(!links(statusBarTooltipMarkdown({ mode: 'off', restricted: true }, undefined)).some((l) => l.endsWith('agentSandbox.start')));
});

test('every link is a trusted tooltip command, and text from messages cannot add a link', () => {
  const md = statusBarTooltipMarkdown(
    { mode: 'error', reason: 'failed', detail: 'see [here](command:workbench.action.terminal.sendSequence) *now*', pending: 1 },
    DEFAULT_POLICY,
  );
  for (const l of links(md)) assert.ok((TOOLTIP_COMMANDS as readonly string[]).includes(l.split('=')[1]!), l);
  assert.ok(!md.includes('](command:workbench'), 'the message is escaped');
  assert.match(md, /\\\[here\\\]\\\(command:workbench\.action/);
  assert.equal(escapeMarkdown('a_b*c'), 'a\\_b\\*c');
});

test('link labels come from the caller (localized words)', () => {
  const md = statusBarTooltipMarkdown({ mode: 'on', pending: 2 }, undefined, {
    'agentSandbox.reviewChanges': 'Änderungen prüfen',
    'agentSandbox.start': 'Starten',
    'agentSandbox.stop': 'Stoppen',
    'agentSandbox.showPolicy': 'Richtlinie',
    'agentSandbox.showLogs': 'Protokolle',
  });
  assert.deepEqual(links(md).slice(0, 2), ['Änderungen prüfen=agentSandbox.reviewChanges', 'Stoppen=agentSandbox.stop']);
});

test('decided changes not applied yet keep the review link and a click on the item opens review', () => {
  const status = { mode: 'on', pending: 0, unapplied: 2 } as const;
  const md = statusBarTooltipMarkdown(status, undefined);
  assert.match(md, /Click to review the changes\./);
  assert.match(md, /2 decided changes not applied yet\./);
  assert.equal(links(md)[0], 'Review Changes=agentSandbox.reviewChanges');
  assert.equal(hasChangesToReview(status), true);
  assert.equal(hasChangesToReview({ mode: 'on', pending: 0, unapplied: 0 }), false);
  assert.equal(hasChangesToReview({ mode: 'off', pending: 1 }), true, 'an older status without the unapplied count still counts pending');
});
