import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError } from '../../../src/core/errors';
import { containerPath, sandboxRelativePath } from '../../../src/core/tools/sandboxPath';

const ROOT = '/home/dev/project';

describe('sandboxRelativePath', () => {
  it('normalises relative paths', () => {
    assert.equal(sandboxRelativePath('src/a.ts', ROOT), 'src/a.ts');
    assert.equal(sandboxRelativePath('./src//a.ts', ROOT), 'src/a.ts');
    assert.equal(sandboxRelativePath('src\\win\\a.ts', ROOT), 'src/win/a.ts');
  });

  it('accepts absolute paths under the sandbox mount or the real root only', () => {
    assert.equal(sandboxRelativePath('/workspace/src/a.ts', ROOT), 'src/a.ts');
    assert.equal(sandboxRelativePath(`${ROOT}/src/a.ts`, ROOT), 'src/a.ts');
    assert.throws(() => sandboxRelativePath('/etc/passwd', ROOT), /outside the workspace/);
    assert.throws(() => sandboxRelativePath('/workspacex/a', ROOT), /outside the workspace/);
    assert.throws(() => sandboxRelativePath(`${ROOT}-other/a`, ROOT), /outside the workspace/);
  });

  it('refuses .., empty paths, NUL bytes and the root itself', () => {
    for (const bad of ['../x', 'a/../../x', 'a/..', '/workspace/../etc', '', '   ', 'a\0b', '.', '/workspace']) {
      assert.throws(
        () => sandboxRelativePath(bad, ROOT),
        (err: unknown) => err instanceof SandboxError && err.code === 'UNSAFE_PATH' && !!err.hint,
        bad,
      );
    }
    assert.equal(sandboxRelativePath('.', ROOT, { allowRoot: true }), '');
  });

  it('maps to the container path', () => {
    assert.equal(containerPath('src/a.ts'), '/workspace/src/a.ts');
    assert.equal(containerPath(''), '/workspace');
  });
});
