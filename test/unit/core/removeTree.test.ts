// Removing a whole tree the sandbox wrote (a session's copy): read-only folders of its own
// are opened up and removed, a symlink is removed itself and never followed, not even by the
// step that changes a folder's mode.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ChangedUnderfoot, Dir } from '../../../src/core/fs/beneath';
import { removeTree } from '../../../src/core/session/teardown';

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
}

describe('removing a tree the sandbox wrote', () => {
  it('removes read-only folders and leaves what its symlinks name untouched', async () => {
    const host = tmp('host');
    fs.writeFileSync(path.join(host, 'keep.txt'), 'host\n');
    fs.chmodSync(host, 0o555);
    const root = tmp('copy');
    const tree = path.join(root, 'upper');
    fs.mkdirSync(path.join(tree, 'ro', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'ro', 'deeper', 'f'), 'x');
    fs.symlinkSync(host, path.join(tree, 'ro', 'to-host'));
    fs.symlinkSync(path.join(host, 'keep.txt'), path.join(tree, 'file-link'));
    fs.chmodSync(path.join(tree, 'ro', 'deeper'), 0o500);
    fs.chmodSync(path.join(tree, 'ro'), 0o000);

    await removeTree(tree);

    assert.ok(!fs.existsSync(tree));
    assert.deepEqual(fs.readdirSync(root), []);
    assert.equal(fs.readFileSync(path.join(host, 'keep.txt'), 'utf8'), 'host\n');
    assert.equal(fs.statSync(host).mode & 0o777, 0o555, "the symlink's target had its mode changed");
    fs.chmodSync(host, 0o755);
  });

  it('gives the owner rights to a folder it owns, and refuses a symlink in its place', async () => {
    const root = tmp('grant');
    const host = tmp('host');
    fs.chmodSync(host, 0o500);
    fs.mkdirSync(path.join(root, 'locked'), { mode: 0o000 });
    fs.chmodSync(path.join(root, 'locked'), 0o000);
    fs.symlinkSync(host, path.join(root, 'swapped'));
    const dir = await Dir.openRoot(root);
    try {
      await dir.grantOwnerAccess(Buffer.from('locked'));
      assert.equal(fs.statSync(path.join(root, 'locked')).mode & 0o777, 0o700);
      await assert.rejects(dir.grantOwnerAccess(Buffer.from('swapped')), ChangedUnderfoot);
      assert.equal(fs.statSync(host).mode & 0o777, 0o500, 'the mode of the symlink target changed');
      await dir.grantOwnerAccess(Buffer.from('absent'));
    } finally {
      await dir.close();
      fs.chmodSync(host, 0o755);
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(host, { recursive: true, force: true });
    }
  });

  // Root may remove anything; the owner-rights step matters to a user who is not root.
  it(
    'as a user who is not root, removes the read-only folders it owns',
    { skip: process.getuid?.() !== 0 && 'needs root to switch to another user' },
    () => {
      const NOBODY = 65534;
      const root = tmp('as-user');
      fs.chmodSync(root, 0o755);
      const make = (tree: string) => {
        fs.mkdirSync(path.join(tree, 'ro', 'deeper'), { recursive: true });
        fs.writeFileSync(path.join(tree, 'ro', 'deeper', 'f'), 'x');
        for (const p of [tree, path.join(tree, 'ro'), path.join(tree, 'ro', 'deeper'), path.join(tree, 'ro', 'deeper', 'f')])
          fs.chownSync(p, NOBODY, NOBODY);
        fs.chmodSync(path.join(tree, 'ro', 'deeper'), 0o500);
        fs.chmodSync(path.join(tree, 'ro'), 0o000);
      };
      const plain = path.join(root, 'plain');
      const ours = path.join(root, 'ours');
      make(plain);
      make(ours);
      fs.chownSync(root, NOBODY, NOBODY);
      const asNobody = (code: string) =>
        spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
          uid: NOBODY,
          gid: NOBODY,
          encoding: 'utf8',
          env: { ...process.env, HOME: root },
        });
      try {
        // The tree really is one a plain recursive removal fails on.
        const rm = asNobody(`require('node:fs').rmSync(${JSON.stringify(plain)}, { recursive: true, force: true })`);
        assert.notEqual(rm.status, 0, 'a plain removal succeeded, so the tree tests nothing');
        const teardown = path.join(__dirname, '..', '..', '..', 'src', 'core', 'session', 'teardown.ts');
        const ok = asNobody(
          `require(${JSON.stringify(teardown)}).removeTree(${JSON.stringify(ours)}).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); })`,
        );
        assert.equal(ok.status, 0, ok.stderr);
        assert.ok(!fs.existsSync(ours));
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  );
});
