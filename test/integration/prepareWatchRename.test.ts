/**
 * `agent-sandbox prepare --watch` against the real engine: a folder renamed away and made
 * again under its old name before the watcher handled the rename (what `mv a a.old && mkdir a`
 * does) is watched afresh, so a later edit inside it reaches the kept base. (A start without
 * the extension's list looks at every entry anyway; the sandbox's view is checked too.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, it } from 'node:test';
import { startSession } from '../../src/core/session/lifecycle';
import { sessionDirFor } from '../../src/core/session/workspace';
import { baseCacheDirFor } from '../../src/core/snapshot/baseCache';
import { disposeStateRoot } from './support/battery';
import { isolateState, makeWorkspace, startCli, testPolicy } from './support/sandbox';

const { stateDir } = isolateState();
const cleanUp: string[] = [];
const policy = testPolicy();

after(() => {
  disposeStateRoot(stateDir);
  for (const p of cleanUp) fs.rmSync(p, { recursive: true, force: true });
});

it('a folder renamed away and made again: a later edit inside it reaches the kept base', async () => {
  const ws = makeWorkspace({ 'a/f.txt': 'one\n', 'b.txt': 'b\n' });
  cleanUp.push(ws);
  const cache = baseCacheDirFor(sessionDirFor(fs.realpathSync(ws)));
  const watching = startCli(['--workspace', ws, 'prepare', '--watch']);
  const { waitFor } = watching;
  try {
    await waitFor(/Workspace copy made anew/, 'no first copy');
    // `mv a a.old && mkdir a && cp -p a.old/f.txt a/`, all before the watcher's events run.
    fs.renameSync(path.join(ws, 'a'), path.join(ws, 'a.old'));
    fs.mkdirSync(path.join(ws, 'a'));
    fs.writeFileSync(path.join(ws, 'a', 'f.txt'), 'one\n');
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(ws, 'a', 'f.txt'), old, old);
    await waitFor(/refreshed at \d+ changed paths/, 'no refresh after the rename');
    // Past the refresh's two-second window for files written just before it.
    await new Promise((r) => setTimeout(r, 2500));
    // The person edits the file in the new folder, then some other file (so a refresh runs).
    fs.writeFileSync(path.join(ws, 'a', 'f.txt'), "two, the person's edit\n");
    await new Promise((r) => setTimeout(r, 2500));
    fs.writeFileSync(path.join(ws, 'b.txt'), 'bb\n');
    await waitFor(/(refreshed at \d+ changed paths[^]*){2}/, 'no second refresh');
    const inBase = fs.readFileSync(path.join(cache, 'base', 'a', 'f.txt'), 'utf8');
    watching.child.kill('SIGINT');
    await watching.exited;
    const { session } = await startSession({ workspaceRoot: ws, policy });
    try {
      const r = await session.run(['cat', 'a/f.txt']);
      assert.equal(r.exitCode, 0, r.stderr.toString());
      assert.equal(r.stdout.toString(), "two, the person's edit\n", 'a start without a watcher list looks at every entry');
      assert.equal(inBase, "two, the person's edit\n", `the kept base is stale; the watcher said:\n${watching.stderr()}`);
    } finally {
      await session.destroy();
    }
  } finally {
    watching.child.kill('SIGINT');
  }
});
