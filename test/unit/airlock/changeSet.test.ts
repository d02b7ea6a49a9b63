import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Airlock, DIFF_SIZE_CAP, type ChangeEntry } from '../../../src/core/airlock';
import { looksBinary } from '../../../src/core/airlock/content';
import { foldName, resolveLinkInside, unsafePathReason } from '../../../src/core/airlock/pathRules';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { makeWorkspace } from './dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-changes-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

async function changesOf(setupFiles: Record<string, string | Buffer>, mutate: (sandbox: string, real: string) => void) {
  const ws = makeWorkspace(setupFiles, tmpRoot);
  mutate(ws.sandbox, ws.real);
  const airlock = new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state });
  const set = await airlock.changes();
  return { set, airlock, ws, get: (p: string): ChangeEntry => set.get(p) ?? assert.fail(`no change at ${p}`) };
}

test('kinds: added, modified, deleted, type changes and mode-only changes', async () => {
  const { set, get } = await changesOf(
    { 'mod.txt': 'a\n', 'del.txt': 'x\n', 'mode.sh': 'echo\n', 'tolink.txt': 't\n', todir: 'f\n', 'same.txt': 's\n' },
    (sb) => {
      fs.writeFileSync(path.join(sb, 'mod.txt'), 'b\n');
      fs.rmSync(path.join(sb, 'del.txt'));
      fs.writeFileSync(path.join(sb, 'new.txt'), 'n\n');
      fs.chmodSync(path.join(sb, 'mode.sh'), 0o755);
      fs.rmSync(path.join(sb, 'tolink.txt'));
      fs.symlinkSync('mod.txt', path.join(sb, 'tolink.txt'));
      fs.rmSync(path.join(sb, 'todir'));
      fs.mkdirSync(path.join(sb, 'todir'));
      fs.utimesSync(path.join(sb, 'same.txt'), new Date(0), new Date(0));
    },
  );
  assert.equal(get('mod.txt').kind, 'modified');
  assert.equal(get('del.txt').kind, 'deleted');
  assert.equal(get('new.txt').kind, 'added');
  assert.equal(get('mode.sh').kind, 'modeChanged');
  assert.equal(get('tolink.txt').kind, 'typeChanged');
  assert.equal(get('tolink.txt').sandbox?.entry.linkTarget, 'mod.txt');
  assert.equal(get('todir').kind, 'typeChanged');
  assert.equal(set.get('same.txt'), undefined, 'a touched but identical file is no change');
  assert.equal(get('mod.txt').sandbox?.sha256, '0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f');
});

test('binary and too-large files are detected and not split into hunks', async () => {
  const big = Buffer.alloc(DIFF_SIZE_CAP + 10, 'a');
  const { get, airlock } = await changesOf({}, (sb) => {
    fs.writeFileSync(path.join(sb, 'nul.bin'), Buffer.from('text\0more'));
    fs.writeFileSync(path.join(sb, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    fs.writeFileSync(path.join(sb, 'utf8.txt'), 'café ✓\n');
    fs.writeFileSync(path.join(sb, 'big.txt'), big);
  });
  assert.equal(get('nul.bin').sandbox?.content, 'binary');
  assert.equal(get('latin1.txt').sandbox?.content, 'binary');
  assert.equal(get('utf8.txt').sandbox?.content, 'text');
  assert.equal(get('big.txt').sandbox?.content, 'tooLarge');
  assert.equal(get('big.txt').sandbox?.entry.size, big.length);
  assert.match(await airlock.diff('big.txt'), /too large to diff/);
  assert.match(await airlock.diff('nul.bin'), /binary file changed \(none -> 9 bytes, sha256 /);
});

test('binary detection tolerates a UTF-8 character cut at the 8 KiB probe', () => {
  const text = Buffer.from('é'.repeat(5000));
  assert.equal(looksBinary(text), false);
  assert.equal(looksBinary(Buffer.from([0xff, 0xfe, 0x41])), true);
});

test('never-apply reasons: .git, escaping symlinks, special files, invalid names, colliding names', async () => {
  const { get } = await changesOf({ 'Readme.md': 'r\n', 'docs/a.md': 'a\n', '.git/config': '[core]\n' }, (sb, real) => {
    fs.writeFileSync(path.join(sb, '.git/config'), '[core]\n\thooksPath = /tmp\n');
    fs.mkdirSync(path.join(sb, 'sub/.GIT'), { recursive: true });
    fs.writeFileSync(path.join(sb, 'sub/.GIT/HEAD'), 'x');
    fs.symlinkSync('../../outside', path.join(sb, 'docs/up'));
    fs.symlinkSync('../Readme.md', path.join(sb, 'docs/ok-link'));
    fs.symlinkSync('../.git/hooks', path.join(sb, 'docs/hooks'));
    fs.writeFileSync(Buffer.from([...Buffer.from(`${sb}/bad-`), 0xff, 0x2e, 0x74]), 'x');
    fs.writeFileSync(path.join(sb, 'README.md'), 'collides with Readme.md in the real tree\n');
    fs.writeFileSync(path.join(sb, 'Docs.txt'), 'no collision: different name\n');
    fs.mkdirSync(path.join(sb, 'DOCS'));
    fs.writeFileSync(path.join(sb, 'DOCS/b.md'), 'collides through its folder\n');
    fs.writeFileSync(path.join(sb, 'caf\u00e9.txt'), 'NFC\n');
    fs.writeFileSync(path.join(sb, 'cafe\u0301.txt'), 'NFD\n');
    fs.writeFileSync(path.join(real, 'Person.txt'), 'the person made this after the snapshot\n');
    fs.writeFileSync(path.join(sb, 'person.TXT'), 'agent\n');
  });
  const reasons = (p: string) => get(p).neverApply.map((r) => r.code);
  assert.deepEqual(reasons('.git/config'), ['gitDirectory']);
  assert.deepEqual(reasons('sub/.GIT/HEAD'), ['gitDirectory']);
  assert.deepEqual(reasons('docs/up'), ['symlinkEscapes']);
  assert.deepEqual(reasons('docs/ok-link'), []);
  assert.deepEqual(reasons('docs/hooks'), ['gitDirectory']);
  assert.deepEqual(reasons('bad-\ufffd.t'), ['invalidName']);
  assert.deepEqual(reasons('README.md'), ['nameCollision']);
  assert.match(get('README.md').neverApply[0]!.reason, /"README.md" collides with "Readme.md"/);
  assert.deepEqual(reasons('Docs.txt'), []);
  assert.deepEqual(reasons('DOCS/b.md'), ['nameCollision']);
  assert.deepEqual(reasons('caf\u00e9.txt'), ['nameCollision']);
  assert.deepEqual(reasons('cafe\u0301.txt'), ['nameCollision']);
  assert.deepEqual(reasons('person.TXT'), ['nameCollision']);
});

test('risk flags: policy patterns, executables, modes, package scripts, lockfiles, registry config', async () => {
  const pkg = (scripts: Record<string, string>, version = '1.0.0') => JSON.stringify({ name: 'x', version, scripts });
  const { get } = await changesOf(
    { 'package.json': pkg({ test: 'jest', build: 'tsc' }), 'app/package.json': pkg({ a: 'x' }), 'tool.sh': 'echo\n', 'plain.txt': 'p\n' },
    (sb) => {
      // Reordered keys and a version bump: the scripts are the same.
      fs.writeFileSync(path.join(sb, 'package.json'), pkg({ build: 'tsc', test: 'jest' }, '1.0.1'));
      fs.writeFileSync(path.join(sb, 'app/package.json'), pkg({ a: 'x', postinstall: 'node steal.js' }));
      fs.writeFileSync(path.join(sb, 'run'), '#!/bin/sh\n', { mode: 0o755 });
      fs.chmodSync(path.join(sb, 'tool.sh'), 0o755);
      fs.writeFileSync(path.join(sb, 'suid'), 'x', { mode: 0o644 });
      fs.chmodSync(path.join(sb, 'suid'), 0o4644);
      fs.writeFileSync(path.join(sb, 'open.txt'), 'x');
      fs.chmodSync(path.join(sb, 'open.txt'), 0o666);
      fs.writeFileSync(path.join(sb, 'Cargo.lock'), 'x');
      fs.writeFileSync(path.join(sb, '.npmrc'), 'registry=http://evil\n');
      fs.mkdirSync(path.join(sb, '.github/workflows'), { recursive: true });
      fs.writeFileSync(path.join(sb, '.github/workflows/ci.yml'), 'on: push\n');
      fs.writeFileSync(path.join(sb, 'plain.txt'), 'q\n');
    },
  );
  const codes = (p: string) =>
    get(p)
      .risks.map((r) => r.code)
      .sort();
  assert.deepEqual(codes('package.json'), ['policyPattern']);
  assert.deepEqual(codes('app/package.json'), ['packageScripts', 'policyPattern']);
  assert.equal(get('app/package.json').risks.find((r) => r.code === 'packageScripts')?.reason, 'package scripts changed');
  assert.deepEqual(codes('run'), ['newExecutable']);
  assert.deepEqual(codes('tool.sh'), ['executableBitChanged']);
  assert.deepEqual(codes('suid'), ['setuid']);
  assert.deepEqual(codes('open.txt'), ['worldWritable']);
  assert.deepEqual(codes('Cargo.lock'), ['lockfile', 'policyPattern']);
  assert.deepEqual(codes('.npmrc'), ['policyPattern', 'registryConfig']);
  assert.match(get('.github/workflows/ci.yml').risks[0]!.reason, /matches the risky pattern "\.github\/workflows\/"/);
  assert.deepEqual(codes('plain.txt'), []);
});

test('path rules', () => {
  assert.equal(unsafePathReason('a/b.txt'), undefined);
  assert.match(unsafePathReason('a/../b')!, /\.\./);
  assert.match(unsafePathReason('/etc/passwd')!, /absolute/);
  assert.match(unsafePathReason('a//b')!, /empty/);
  assert.equal(resolveLinkInside('a/b/link', '../c'), 'a/c');
  assert.equal(resolveLinkInside('a/link', '../../x'), undefined);
  assert.equal(resolveLinkInside('link', '/abs'), undefined);
  assert.equal(resolveLinkInside('a/link', '..'), '');
  assert.equal(foldName('Caf\u00e9'), foldName('CAFE\u0301'));
});
