/**
 * The line the hook hands back means the same in every shell an agent may type it into.
 * Cross-shell fuzz: 10,000 hostile commands per run; each is stored, and the handed-back line
 * is split by bash, dash, zsh and fish (those installed; `.ci/ensure-shells` installs them),
 * one shell process per batch printing each word NUL-terminated. Every line must come out as
 * exactly [launcher, "run-pending", id], and every stored command must come back byte for
 * byte. A sample is also run for real, the launcher in command position.
 *
 * PowerShell is not a Debian package, so its case is proven by construction: every line is
 * checked to consist of the inert alphabet (letters, digits, `_ . / -`, single spaces), its
 * first word starts with `/` and the others with a letter. In PowerShell such a line is a
 * command path followed by bareword string arguments: the alphabet holds none of its quote,
 * escape (backtick), variable, subexpression, splat, array (comma), redirection, pipeline,
 * statement or comment characters, no word starts with `-` (a parameter) or a digit (a
 * number literal), and `--%` cannot occur.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planHook } from '../../../src/core/tools/hooks';
import { INERT_PATH } from '../../../src/core/tools/launcher';
import { pendingCommandLine, storePendingCommand, takePendingCommand } from '../../../src/core/tools/pendingCommands';

const COUNT = 10_000;
const SHELLS = ['bash', 'dash', 'zsh', 'fish'];
const QUIET: Record<string, string[]> = { bash: ['--norc', '--noprofile'], zsh: ['-f'], fish: ['--no-config'] };

/** A small seeded generator (mulberry32): failures reproduce. */
function generator(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

/** Pieces that mean something to some shell: POSIX, zsh, fish, PowerShell, and unicode look-alikes. */
const PIECES = [
  "'",
  '"',
  '\\',
  "\\'",
  "'\\''",
  '$',
  '$x',
  '${x}',
  '$(id)',
  '`',
  '`id`',
  '(id)',
  '{a,b}',
  '{}',
  '[ab]',
  '*',
  '?',
  '~',
  '~root',
  '=ls',
  '#',
  '%',
  '%1',
  '^',
  '!',
  '!!',
  ';',
  '&',
  '&&',
  '|',
  '||',
  '>',
  '<',
  '>>',
  '2>&1',
  '<(id)',
  '\n',
  '\r',
  '\t',
  ' ',
  '  ',
  '--%',
  '@(',
  '@{',
  '$env:PATH',
  '$()',
  '`n',
  '`0',
  ',',
  '::',
  '‘',
  '’',
  '“',
  '”',
  '＇',
  '＂',
  'é',
  'ü',
  '✓',
  '😀',
  '\u2028',
  '\u00a0',
  '\u202e',
  '\u200b',
  '\ud800',
  'a',
  'b',
  'x',
  '0',
  '-',
  '--',
  '.',
  '/',
];

function hostile(random: (n: number) => number): string {
  let s = '';
  const parts = 1 + random(10);
  for (let i = 0; i < parts; i++) s += random(4) === 0 ? String.fromCharCode(1 + random(126)) : PIECES[random(PIECES.length)]!;
  return s;
}

/** A launcher path candidate: mostly inert, sometimes with a character some shell reads specially. */
function launcherCandidate(random: (n: number) => number, base: string): string {
  const alphabet = 'abcXYZ019_.-/';
  let tail = '';
  for (let i = 0, n = 1 + random(12); i < n; i++)
    tail += random(8) === 0 ? PIECES[random(PIECES.length)]! : alphabet[random(alphabet.length)]!;
  return `${base}/${tail}/agent-sandbox`;
}

/** The words each shell makes of each line, from one shell process for the whole batch. */
function wordsInShell(shell: string, lines: readonly string[], dir: string): string[][] {
  const script = path.join(dir, `split.${shell}`);
  // An empty word ends each line's record; no word of a handed-back line can be empty.
  fs.writeFileSync(script, lines.map((l) => `printf '%s\\0' ${l}; printf '%s\\0' ''\n`).join(''));
  const r = spawnSync(shell, [...(QUIET[shell] ?? []), script], {
    cwd: dir,
    encoding: 'buffer',
    env: { PATH: process.env.PATH, HOME: dir },
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `${shell}: ${r.stderr.toString().slice(0, 500)}`);
  const records = r.stdout.toString('utf8').split('\0\0');
  return records.slice(0, -1).map((rec) => rec.split('\0'));
}

describe('the handed-back line across shells', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const cases: { command: string; line: string; argv: string[]; id: string; root: string; subdir: string }[] = [];
  let refusedNul = 0;
  let refusedLaunchers = 0;
  const installed = SHELLS.filter((s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0);

  before(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-shells-')));
    env = { AGENT_SANDBOX_STATE_DIR: path.join(dir, 'state') };
    const random = generator(20260209);
    for (let i = 0; i < COUNT; i++) {
      const command = hostile(random);
      if (command.includes('\0')) {
        // NUL handling: no shell can carry it; the hook refuses the call instead of failing.
        assert.equal(planHook({ event: 'PreToolUse', toolName: 'Bash', toolInput: { command } }).kind, 'deny');
        assert.throws(() => storePendingCommand({ root: '/w', subdir: '', command }, env), /NUL/);
        refusedNul++;
        continue;
      }
      const root = `/w/${hostile(random).replace(/\0/g, '')}`;
      const subdir = random(2) ? '' : hostile(random).replace(/\0/g, '').replace(/\.\./g, '_').replace(/^\/+/, '');
      const id = storePendingCommand({ root, subdir, command }, env);
      const launcher = launcherCandidate(random, dir);
      let line: string;
      try {
        line = pendingCommandLine(launcher, id);
      } catch (err) {
        assert.equal(INERT_PATH.test(launcher), false, `refused an inert launcher ${launcher}: ${String(err)}`);
        assert.match(String(err), /AGENT_SANDBOX_STATE_DIR/);
        refusedLaunchers++;
        line = pendingCommandLine(path.join(dir, 'bin', 'agent-sandbox'), id);
      }
      cases.push({ command, line, argv: line.split(' '), id, root, subdir });
    }
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fuzzes enough hostile input to mean something', () => {
    assert.ok(cases.length + refusedNul === COUNT);
    assert.ok(cases.length > 9000, `${cases.length} stored`);
    assert.ok(refusedLaunchers > 100, `${refusedLaunchers} hostile launcher paths refused`);
    assert.ok(cases.filter((c) => /['"\\$`\n]/.test(c.command)).length > 5000);
  });

  it('hands back only the inert alphabet, so PowerShell reads a command path and bareword strings', () => {
    for (const { line, argv } of cases) {
      assert.match(line, /^\/[A-Za-z0-9_./-]+ run-pending p[0-9a-f]{32}$/, line);
      assert.equal(argv.length, 3);
      assert.ok(INERT_PATH.test(argv[0]!));
      for (const word of argv.slice(1)) assert.match(word, /^[a-z][a-z0-9-]*$/);
      assert.ok(!line.includes('--%'));
    }
  });

  for (const shell of SHELLS) {
    it(`resolves every line to exactly [launcher, run-pending, id] in ${shell}`, (t) => {
      if (!installed.includes(shell)) {
        t.skip(`${shell} is not installed (run .ci/ensure-shells)`);
        return;
      }
      const words = wordsInShell(
        shell,
        cases.map((c) => c.line),
        dir,
      );
      assert.equal(words.length, cases.length);
      const mismatches = cases.filter((c, i) => JSON.stringify(words[i]) !== JSON.stringify(c.argv));
      assert.equal(mismatches.length, 0, `${shell}: ${mismatches.length} mismatches, first ${JSON.stringify(mismatches[0])}`);
    });

    it(`runs a sample of lines in ${shell} with the launcher in command position`, (t) => {
      if (!installed.includes(shell)) {
        t.skip(`${shell} is not installed (run .ci/ensure-shells)`);
        return;
      }
      const launcher = path.join(dir, 'bin', 'agent-sandbox');
      fs.mkdirSync(path.dirname(launcher), { recursive: true });
      fs.writeFileSync(launcher, '#!/bin/sh\nprintf \'%s\\0\' "$0" "$@"\nprintf \'\\0\'\n', { mode: 0o700 });
      const sample = cases.slice(0, 50).map((c) => pendingCommandLine(launcher, c.id));
      const script = path.join(dir, `run.${shell}`);
      fs.writeFileSync(script, sample.map((l) => `${l}\n`).join(''));
      const r = spawnSync(shell, [...(QUIET[shell] ?? []), script], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: dir },
      });
      assert.equal(r.status, 0, r.stderr);
      const got = r.stdout
        .split('\0\0')
        .slice(0, -1)
        .map((rec) => rec.split('\0'));
      assert.deepEqual(
        got,
        sample.map((l) => l.split(' ')),
      );
    });
  }

  it('gives every stored command back byte for byte, once', () => {
    let mismatches = 0;
    for (const c of cases) {
      const entry = takePendingCommand(c.id, env);
      if (!Buffer.from(entry.command).equals(Buffer.from(c.command)) || entry.root !== c.root || entry.subdir !== c.subdir) mismatches++;
    }
    assert.equal(mismatches, 0);
    assert.deepEqual(
      fs.readdirSync(path.join(env.AGENT_SANDBOX_STATE_DIR!, 'pending')).filter((n) => n !== 'last-sweep'),
      [],
    );
  });
});
