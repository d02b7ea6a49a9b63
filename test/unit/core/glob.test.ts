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

describe('path patterns follow the gitignore rules', () => {
  it('a character class matches one of its letters', () => {
    const match = compilePatterns(['[Dd]ockerfile']);
    assert.equal(match('Dockerfile'), '[Dd]ockerfile');
    assert.equal(match('docker/dockerfile'), '[Dd]ockerfile');
    assert.equal(match('Dockerfiles'), undefined);
  });

  it('a later "!" pattern takes a path back out, and the pattern that decided is named', () => {
    const match = compilePatterns(['.env*', '!.env.example']);
    assert.equal(match('.env'), '.env*');
    assert.equal(match('app/.env.production'), '.env*');
    assert.equal(match('.env.example'), undefined);
    assert.equal(match('app/.env.example'), undefined);
  });

  it('a backslash makes "#" and "!" literal instead of a comment or a negation', () => {
    const match = compilePatterns(['\\#notes', '\\!important']);
    assert.equal(match('#notes'), '\\#notes');
    assert.equal(match('!important'), '\\!important');
    assert.equal(match('notes'), undefined);
  });

  it('a leading **/ matches at any depth, including the root', () => {
    const match = compilePatterns(['**/.kube/config']);
    assert.equal(match('.kube/config'), '**/.kube/config');
    assert.equal(match('ops/.kube/config'), '**/.kube/config');
    assert.equal(match('ops/.kube/cache'), undefined);
  });

  it("a path inside a matched directory is matched by that directory's pattern", () => {
    const match = compilePatterns(['secrets/']);
    assert.equal(match('secrets', true), 'secrets/');
    assert.equal(match('secrets/deep/file.txt'), 'secrets/');
    assert.equal(match('secrets', false), undefined);
  });

  it('letter case does not matter, as on the case-insensitive file systems a workspace may live on', () => {
    const match = compilePatterns(['*.pem', '.env*']);
    assert.equal(match('certs/SERVER.PEM'), '*.pem');
    assert.equal(match('.ENV'), '.env*');
  });

  it('paths that are not plain relative paths never throw', () => {
    const match = compilePatterns(['*.pem']);
    assert.equal(match('./certs/a.pem'), '*.pem');
    assert.equal(match('certs//a.pem'), '*.pem');
    assert.equal(match(''), undefined);
    assert.equal(match('../a.pem'), undefined);
    assert.equal(match('/a.pem'), '*.pem', 'a leading slash means the workspace root');
  });
});
