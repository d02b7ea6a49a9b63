import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { shellJoin, shellQuote } from '../../../src/core/tools/shellQuote';

/** What a real POSIX shell makes of a line: the argv it splits it into. */
function splitByShell(line: string, shell = '/bin/sh'): string[] {
  const r = spawnSync(shell, ['-c', `for a in ${line}; do printf '%s\\0' "$a"; done`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: '/nonexistent-home' },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

const NASTY = [
  '',
  ' ',
  'plain',
  "it's",
  '"double"',
  '$HOME',
  '${PATH}',
  '$(id)',
  '`id`',
  'back\\slash',
  'new\nline',
  'tab\there',
  '*',
  '?',
  '[ab]',
  '~',
  '~user',
  '=cmd',
  '-n',
  '--flag=value',
  'a;b',
  'a|b',
  'a&b',
  'a>b',
  '!bang',
  '#hash',
  "'''",
  "\\'",
  'ünïcødé ✓',
  '{a,b}',
  '^caret',
];

describe('shellQuote', () => {
  it('leaves plain words alone and quotes everything else', () => {
    assert.equal(shellQuote('agent-sandbox'), 'agent-sandbox');
    assert.equal(shellQuote('/usr/bin/node'), '/usr/bin/node');
    assert.equal(shellQuote('--workspace=/a/b'), '--workspace=/a/b');
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote('~'), "'~'");
    assert.equal(shellQuote('=ls'), "'=ls'");
    assert.equal(shellQuote('a b'), "'a b'");
  });

  for (const shell of ['/bin/sh', '/bin/bash']) {
    it(`round-trips every element through ${shell}`, () => {
      assert.deepEqual(splitByShell(shellJoin(NASTY), shell), NASTY);
    });
  }

  it('keeps a whole command line one argv element after sh -c', () => {
    const command = "echo \"it's $((6*7))\" > f && cat 'f' | tr a-z A-Z; echo `echo x` $(echo y)";
    const line = shellJoin(['sh', '-c', command]);
    assert.deepEqual(splitByShell(line), ['sh', '-c', command]);
  });

  it('refuses a NUL byte, which no shell can carry', () => {
    assert.throws(() => shellQuote('a\0b'), /NUL/);
  });
});
