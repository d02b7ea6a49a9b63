/**
 * The demo workspace (`npm run demo`, made by test/demo-workspace.sh) on the base image: an
 * agent-like session inside a real sandbox installs, tests and edits, as the demo's README
 * tells a person to; the person's files stay as they were, and the change set shows what the
 * session did.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Airlock } from '../../src/core/airlock';
import { sh, startBatterySession, type BatterySession } from './support/battery';
import { REPO_ROOT, treeListing } from './support/sandbox';

let battery: BatterySession;
let before_: Record<string, string>;

before(async () => {
  battery = await startBatterySession({}, {}, (workspace) => {
    const made = spawnSync('bash', [path.join(REPO_ROOT, 'test', 'demo-workspace.sh'), workspace], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    before_ = treeListing(workspace);
  });
});

after(() => battery?.dispose());

test('the demo workspace script writes a valid package.json and the files its README names', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(battery.workspace, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.test, 'node --test');
  assert.ok(before_['src/greet.js'] && before_['test/greet.test.js'] && before_['old.txt']);
});

test('install, test and edit work inside the sandbox, and only the copy changes', async () => {
  const { session, workspace } = battery;
  const versions = await sh(session, 'node --version && npm --version');
  assert.equal(versions.code, 0, versions.err);
  assert.match(versions.out, /^v\d+\.\d+\.\d+\n\d+\.\d+\.\d+\n$/);

  const install = await sh(session, 'npm install', { timeoutSec: 120 });
  assert.equal(install.code, 0, `${install.out}\n${install.err}`);
  const passing = await sh(session, 'npm test', { timeoutSec: 120 });
  assert.equal(passing.code, 0, `${passing.out}\n${passing.err}`);
  assert.match(passing.out, /# pass 2/);

  const edit = await sh(session, "sed -i 's/Hello/Hello from the sandbox/' src/greet.js && echo notes > notes.txt && rm old.txt");
  assert.equal(edit.code, 0, edit.err);
  const failing = await sh(session, 'npm test', { timeoutSec: 120 });
  assert.notEqual(failing.code, 0, 'the edit breaks the greeting test, so npm test must fail');
  assert.match(failing.out, /# fail 1/);

  assert.deepEqual(treeListing(workspace), before_, 'the real workspace is untouched');
  const airlock = new Airlock({ view: session.snapshot, policy: session.policy, stateDir: session.airlockDir });
  const changed = (await airlock.changes()).entries.map((e) => `${e.kind} ${e.path}`).sort();
  assert.deepEqual(changed, ['added notes.txt', 'added package-lock.json', 'deleted old.txt', 'modified src/greet.js']);
});
