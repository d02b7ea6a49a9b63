// The manifest's strings live in package.nls.json (every %key% resolves, no key is unused),
// the settings come in titled sections that cannot be mistaken for VS Code's own
// chat.agent.sandbox settings, the keybindings are chords that leave VS Code's defaults
// alone, and the walkthrough's steps each have a page that is packed and a way to complete.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { manifestText, nls, placeholdersIn, repoRoot, resolvedManifest } from '../support/manifestStrings';

const raw = JSON.parse(manifestText);

test('every %key% in package.json is in package.nls.json, and every key there is used', () => {
  const used = placeholdersIn(raw);
  assert.ok(used.length > 50, `only ${used.length} placeholders`);
  const missing = used.filter((k) => !(k in nls));
  assert.deepEqual(missing, [], 'placeholders without a string');
  const unused = Object.keys(nls).filter((k) => !used.includes(k));
  assert.deepEqual(unused, [], 'strings no placeholder uses');
  for (const [key, text] of Object.entries(nls)) assert.ok(text.trim().length > 0, `${key} is empty`);
});

test('the strings a person reads are placeholders, not English in package.json', () => {
  const c = raw.contributes;
  const strings: [string, unknown][] = [
    ['displayName', raw.displayName],
    ['description', raw.description],
    ...c.commands.flatMap((x: { command: string; title: unknown; category: unknown }) => [
      [`${x.command} title`, x.title],
      [`${x.command} category`, x.category],
    ]),
    ...c.configuration.flatMap((s: { title: unknown; properties: Record<string, { markdownDescription: unknown }> }) => [
      ['section title', s.title],
      ...Object.entries(s.properties).map(([k, p]) => [k, p.markdownDescription]),
    ]),
    ...c.walkthroughs.flatMap(
      (w: { title: unknown; description: unknown; steps: { id: string; title: unknown; description: unknown }[] }) => [
        ['walkthrough title', w.title],
        ['walkthrough description', w.description],
        ...w.steps.flatMap((s) => [
          [`step ${s.id} title`, s.title],
          [`step ${s.id} description`, s.description],
        ]),
      ],
    ),
    ['terminal profile', c.terminal.profiles[0].title],
  ];
  for (const [what, value] of strings) assert.match(String(value), /^%[^%\s]+%$/, `${what} is not a %key% placeholder`);
});

test('settings come in titled sections, none of which reads like VS Code\'s "Chat › Agent › Sandbox"', () => {
  const sections = resolvedManifest.contributes.configuration as {
    title: string;
    properties: Record<string, { markdownDescription?: string; description?: string }>;
  }[];
  assert.ok(Array.isArray(sections) && sections.length >= 4, 'an array of sections');
  const titles = sections.map((s) => s.title);
  for (const t of titles) {
    assert.match(t, /^Agent Sandbox \(extension\): /, t);
    assert.doesNotMatch(t, /Chat|›/, t);
  }
  for (const part of ['Container', 'Limits', 'Network'])
    assert.ok(
      titles.some((t) => t.endsWith(part)),
      part,
    );
  for (const s of sections) {
    for (const [key, p] of Object.entries(s.properties)) {
      assert.ok(key.startsWith('agentSandbox.'), `${key} is outside our namespace`);
      assert.ok(!key.startsWith('chat.'), key);
      // A human title first (the Settings UI builds the row's title from the key), then what it does.
      assert.match(p.markdownDescription ?? '', /^\*\*[^*]+\.\*\* \S/, `${key} starts with a bold title`);
      assert.equal(p.description, undefined, `${key}: markdownDescription only`);
    }
  }
  const memory = sections.flatMap((s) => Object.entries(s.properties)).find(([k]) => k === 'agentSandbox.memoryMb');
  assert.match(memory![1].markdownDescription!, /^\*\*Memory \(MiB\)\.\*\*/);
});

test("keybindings are ctrl+alt+s chords (free in VS Code's defaults), and Apply Approved needs the review panel focused", () => {
  const bindings = raw.contributes.keybindings as { command: string; key: string; mac?: string; when?: string }[];
  const panel = readFileSync(join(repoRoot, 'src', 'extension', 'review', 'panel.ts'), 'utf8');
  const viewType = /REVIEW_VIEW_TYPE = '([^']+)'/.exec(panel)?.[1];
  assert.equal(viewType, 'agentSandbox.review');
  const byCommand = new Map(bindings.map((b) => [b.command, b]));
  for (const id of ['agentSandbox.reviewChanges', 'agentSandbox.newTerminal', 'agentSandbox.toggle', 'agentSandbox.applyApproved']) {
    assert.ok(byCommand.has(id), `${id} has a keybinding`);
  }
  for (const b of bindings) {
    assert.match(b.key, /^ctrl\+alt\+s [a-z]$/, `${b.command}: a chord under ctrl+alt+s`);
    assert.equal(b.mac, undefined, `${b.command}: cmd+alt+s is Save All on macOS; ctrl+alt+s is used there too`);
  }
  assert.equal(new Set(bindings.map((b) => b.key)).size, bindings.length, 'two commands share a key');
  assert.match(
    byCommand.get('agentSandbox.applyApproved')!.when ?? '',
    new RegExp(`activeWebviewPanelId == '${viewType!.replace('.', '\\.')}'`),
  );
});

test('the walkthrough has the five steps, each with a packed page and a completion event; the icon is a 128x128 PNG', () => {
  const [walkthrough] = raw.contributes.walkthroughs as {
    steps: { id: string; media: { markdown: string }; completionEvents: string[] }[];
  }[];
  assert.deepEqual(
    walkthrough!.steps.map((s) => s.id),
    ['trust', 'start', 'terminal', 'agent', 'review'],
  );
  const ignore = readFileSync(join(repoRoot, '.vscodeignore'), 'utf8');
  assert.match(ignore, /^!media\/\*\*$/m, 'media/ is packed');
  assert.match(ignore, /^!package\.nls\.json$/m, 'the strings are packed');
  for (const step of walkthrough!.steps) {
    assert.ok(step.media.markdown.startsWith('media/walkthrough/'), step.id);
    assert.ok(existsSync(join(repoRoot, step.media.markdown)), `${step.media.markdown} exists`);
    assert.ok(step.completionEvents.length > 0, `${step.id} can be completed`);
    for (const e of step.completionEvents) assert.match(e, /^(onCommand|onContext):\S+$/, e);
  }
  assert.equal(raw.icon, 'media/icon.png');
  const png = readFileSync(join(repoRoot, raw.icon));
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.equal(png.readUInt32BE(16), 128, 'width');
  assert.equal(png.readUInt32BE(20), 128, 'height');
});
