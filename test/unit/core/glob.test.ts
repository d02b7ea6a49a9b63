import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePattern, compilePatterns } from '../../../src/core/glob';

describe('path patterns', () => {
  it('a name pattern matches at any depth', () => {
    const p = compilePattern('*.pem');
    assert.ok(p.matches('server.pem'));
    assert.ok(p.matches('deploy/keys/server.pem'));
    assert.ok(!p.matches('server.pem.txt'));
  });

  it('a directory pattern matches the directory and everything below it, not a file of that name', () => {
    const p = compilePattern('.aws/');
    assert.ok(p.matches('.aws', true));
    assert.ok(p.matches('.aws/credentials'));
    assert.ok(p.matches('home/.aws/config'));
    assert.ok(!p.matches('.aws', false));
  });

  it('a pattern with a slash is anchored at the root', () => {
    const p = compilePattern('.github/workflows/*.yml');
    assert.ok(p.matches('.github/workflows/ci.yml'));
    assert.ok(!p.matches('sub/.github/workflows/ci.yml'));
    assert.ok(!p.matches('.github/workflows/deep/ci.yml'));
  });

  it('** crosses directories, * and ? do not', () => {
    assert.ok(compilePattern('src/**/*.ts').matches('src/a/b/c.ts'));
    assert.ok(compilePattern('src/**/*.ts').matches('src/c.ts'));
    assert.ok(!compilePattern('src/*.ts').matches('src/a/c.ts'));
    assert.ok(compilePattern('id_rsa?').matches('id_rsa2'));
    assert.ok(!compilePattern('id_rsa?').matches('id_rsa'));
  });

  it('special characters in patterns are literal', () => {
    assert.ok(compilePattern('a+b(c).txt').matches('a+b(c).txt'));
    assert.ok(!compilePattern('a.txt').matches('abtxt'));
  });

  it('a pattern list says which pattern matched', () => {
    const match = compilePatterns(['.env*', '*.key']);
    assert.equal(match('config/.env.local'), '.env*');
    assert.equal(match('tls/site.key'), '*.key');
    assert.equal(match('src/index.ts'), undefined);
  });
});
