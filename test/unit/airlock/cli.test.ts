import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parsePathSpec, runAirlockCommand, type AirlockCommandName } from '../../../src/cli/airlockCommands';
import { Airlock } from '../../../src/core/airlock';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { makeWorkspace } from './dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-cli-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join('');

function setup() {
  const base = lines(60);
  const ws = makeWorkspace({ 'a.ts': base, 'package.json': '{"scripts":{}}\n', 'b.txt': 'b\n' }, tmpRoot);
  fs.writeFileSync(
    path.join(ws.sandbox, 'a.ts'),
    base.replace('line 3\n', 'LINE 3\n').replace('line 30\n', 'LINE 30\n').replace('line 57\n', 'LINE 57\n'),
  );
  fs.writeFileSync(path.join(ws.sandbox, 'package.json'), '{"scripts":{"postinstall":"sh x"}}\n');
  fs.writeFileSync(path.join(ws.sandbox, 'b.txt'), 'agent b\n');
  const airlock = new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state });
  const run = async (name: AirlockCommandName, ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAirlockCommand(name, args, airlock, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  return { ws, base, run };
}

test('parsePathSpec splits hunk numbers off, and leaves other # in names alone', () => {
  assert.deepEqual(parsePathSpec('src/a.ts#1,3'), { path: 'src/a.ts', hunks: [1, 3] });
  assert.deepEqual(parsePathSpec('notes#draft.md'), { path: 'notes#draft.md' });
  assert.deepEqual(parsePathSpec('a.ts'), { path: 'a.ts' });
});

test('changes lists kinds and risk flags; --json is machine-readable', async () => {
  const { run } = setup();
  const plain = await run('changes');
  assert.equal(plain.code, 0);
  assert.match(plain.out, /^modified\s+a\.ts$/m);
  assert.match(
    plain.out,
    /^modified\s+package\.json\s+\[risky: matches the risky pattern "package\.json"; risky: package scripts changed\]$/m,
  );
  const json = await run('changes', '--json');
  const parsed = JSON.parse(json.out) as { path: string; kind: string; risks: unknown[] }[];
  assert.deepEqual(
    parsed.map((e) => [e.path, e.kind, e.risks.length]),
    [
      ['a.ts', 'modified', 0],
      ['b.txt', 'modified', 0],
      ['package.json', 'modified', 2],
    ],
  );
});

test('diff prints a unified diff with hunk headers', async () => {
  const { run } = setup();
  const result = await run('diff', 'a.ts');
  assert.equal(result.code, 0);
  assert.match(result.out, /--- a\/a\.ts\n\+\+\+ b\/a\.ts\n@@ -1,6 \+1,6 @@\n line 1\n line 2\n-line 3\n\+LINE 3/);
  assert.equal((await run('diff', 'missing.txt')).code, 1);
});

test('apply PATH#1,3 writes exactly those hunks; a risky path needs --include-risky', async () => {
  const { ws, base, run } = setup();
  const partial = await run('apply', 'a.ts#1,3');
  assert.equal(partial.code, 0, partial.out + partial.err);
  assert.match(partial.out, /^written\s+a\.ts \(hunks 1,3\)$/m);
  assert.equal(fs.readFileSync(path.join(ws.real, 'a.ts'), 'utf8'), base.replace('line 3\n', 'LINE 3\n').replace('line 57\n', 'LINE 57\n'));

  const risky = await run('apply', 'package.json');
  assert.equal(risky.code, 3);
  assert.match(risky.out, /skipped\s+package\.json: risky \(.*package scripts changed\); add --include-risky/);
  assert.equal(fs.readFileSync(path.join(ws.real, 'package.json'), 'utf8'), '{"scripts":{}}\n');
  const forced = await run('apply', 'package.json', '--include-risky');
  assert.equal(forced.code, 0);
  assert.equal(fs.readFileSync(path.join(ws.real, 'package.json'), 'utf8'), '{"scripts":{"postinstall":"sh x"}}\n');
});

test('apply --all reports conflicts with exit code 3, and --on-conflict resolves them', async () => {
  const { ws, run } = setup();
  fs.writeFileSync(path.join(ws.real, 'b.txt'), 'person b\n');
  const first = await run('apply', '--all');
  assert.equal(first.code, 3);
  assert.match(first.out, /^skipped\s+package\.json: risky: /m);
  assert.match(first.out, /^conflict\s+b\.txt: changed in your tree and in the sandbox at the same lines$/m);
  assert.match(first.out, /--on-conflict=keep-theirs/);
  assert.equal(fs.readFileSync(path.join(ws.real, 'b.txt'), 'utf8'), 'person b\n');

  const taken = await run('apply', 'b.txt', '--on-conflict=take-sandbox');
  assert.equal(taken.code, 0, taken.out);
  assert.equal(fs.readFileSync(path.join(ws.real, 'b.txt'), 'utf8'), 'agent b\n');
});

test('undo restores, then has nothing left to undo; discard --all clears the sandbox', async () => {
  const { ws, base, run } = setup();
  assert.equal((await run('apply', 'a.ts', 'b.txt')).code, 0);
  const undone = await run('undo');
  assert.equal(undone.code, 0);
  assert.match(undone.out, /^restored\s+a\.ts$/m);
  assert.equal(fs.readFileSync(path.join(ws.real, 'a.ts'), 'utf8'), base);
  assert.equal((await run('undo')).code, 1);

  const discarded = await run('discard', '--all');
  assert.equal(discarded.code, 0);
  assert.match(discarded.out, /^discarded package\.json$/m);
  assert.equal((await run('changes')).out, 'No pending changes.');
});

test('usage errors exit with 2 and show the usage line', async () => {
  const { run } = setup();
  for (const args of [[], ['--all', 'a.ts'], ['--on-conflict=sometimes', '--all'], ['--bogus']]) {
    const result = await run('apply', ...args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.err, /usage: agent-sandbox apply/);
  }
  assert.equal((await run('discard')).code, 2);
  const badHunk = await run('apply', 'a.ts#9');
  assert.equal(badHunk.code, 1);
  assert.match(badHunk.err, /"a\.ts" has 3 hunks; there is no hunk 9/);
});
