/**
 * The CLI's review commands print names and diff lines that come from the sandbox. None of
 * their control characters reaches the terminal raw: an escape in a name could retitle the
 * window or write the clipboard, a C1 CSI acts on many terminals, and a bidirectional override
 * makes a name read as another.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { runAirlockCommand, type AirlockCommandName } from '../../../src/cli/airlockCommands';
import { Airlock } from '../../../src/core/airlock';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { makeWorkspace } from './dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-cli-text-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** Window title (OSC 0), a C1 CSI that clears the screen, a right-to-left override. */
const HOSTILE_NAME = 'notes\x1b]0;owned\x07-\u009b2J-\u202Etxt.exe';
const HOSTILE_LINE = 'ok \x1b]52;c;ZWNobyBoaQ==\x07 \u009b1A done\n';
/** Anything a terminal acts on, apart from the newlines and tabs that lay the output out. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function setup() {
  const ws = makeWorkspace({ 'a.txt': 'first\n' }, tmpRoot);
  fs.writeFileSync(path.join(ws.sandbox, HOSTILE_NAME), 'new\n');
  fs.writeFileSync(path.join(ws.sandbox, 'a.txt'), `first\n${HOSTILE_LINE}`);
  const airlock = new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state });
  return async (name: AirlockCommandName, ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAirlockCommand(name, args, airlock, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
}

test('changes shows a hostile name with its controls escaped', async () => {
  const run = setup();
  const { code, out } = await run('changes');
  assert.equal(code, 0);
  assert.doesNotMatch(out, RAW_CONTROL);
  assert.ok(out.includes('notes\\u001b]0;owned\\u0007-\\x9b2J-\\u202etxt.exe'), out);
});

test('changes --json stays valid JSON that names the file exactly, with nothing raw', async () => {
  const run = setup();
  const { out } = await run('changes', '--json');
  assert.doesNotMatch(out, RAW_CONTROL);
  const paths = (JSON.parse(out) as { path: string }[]).map((e) => e.path);
  assert.ok(paths.includes(HOSTILE_NAME));
});

test('diff shows the sandbox lines with their controls escaped, and keeps its layout', async () => {
  const run = setup();
  const { out } = await run('diff', 'a.txt');
  assert.doesNotMatch(out, RAW_CONTROL);
  assert.ok(out.includes('+ok \\x1b]52;c;ZWNobyBoaQ==\\x07 \\x9b1A done'), out);
  assert.ok(out.split('\n').length > 3, 'the diff lost its line breaks');
});

test('a missing path named on the command line is echoed escaped too', async () => {
  const run = setup();
  const { code, err } = await run('diff', 'gone\x1b[2J');
  assert.equal(code, 1);
  assert.doesNotMatch(err, RAW_CONTROL);
  assert.match(err, /gone\\x1b\[2J: no pending change/);
});

test('apply and discard reports name the hostile file escaped', async () => {
  const run = setup();
  const applied = await run('apply', HOSTILE_NAME);
  assert.doesNotMatch(applied.out + applied.err, RAW_CONTROL);
  assert.ok(applied.out.includes('\\x9b2J'), applied.out);
  const discarded = await run('discard', 'a.txt');
  assert.doesNotMatch(discarded.out, RAW_CONTROL);
});
