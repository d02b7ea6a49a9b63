/**
 * The adversarial battery: the soft disk cap and the file tools. A session whose copy went
 * over its soft cap is marked, and from then on `run` refuses every command until changes
 * are applied or discarded (README, "The disk cap"). The editor's language model tools see
 * the mark through the health check. The MCP server and the hooks attach for each call
 * without a health check: their write_file and edit_file must refuse on their own, as `run`
 * does, and write nothing.
 *
 * The mark is written here the way `run` writes it after a command that crossed the cap,
 * so that the test does not depend on whether this machine can make the hard cap.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { SandboxError } from '../../../src/core/errors';
import { STATE_FILE } from '../../../src/core/session/state';
import { invokeTool } from '../../../src/core/tools/handlers';
import { attachingToolHost } from '../../../src/core/tools/sessionHost';
import { startBatterySession, type BatterySession } from '../support/battery';

let battery: BatterySession;

before(async () => {
  battery = await startBatterySession({ 'small.txt': 'small\n' }, { diskCapMb: 4 });
});

after(() => battery?.dispose());

test("a session over its soft disk cap refuses commands and the file tools' writes alike", async (t) => {
  const { session, workspace, policy } = battery;
  fs.writeFileSync(path.join(session.dir, 'over-disk-cap'), String(5 * 1024 * 1024));
  assert.equal(session.isOverDiskCap(), true);
  t.diagnostic(
    `disk cap of this session (the mark is written by hand either way): ${JSON.parse(fs.readFileSync(path.join(session.dir, STATE_FILE), 'utf8')).diskCap}`,
  );
  await assert.rejects(
    () => session.run(['true']),
    (err: unknown) => err instanceof SandboxError && err.code === 'DISK_CAP_EXCEEDED',
  );

  // The MCP server's tool host: attach per call, no health check.
  const host = attachingToolHost(workspace, () => policy);
  try {
    const content = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 3; i++) {
      const outcome = await invokeTool(host, 'write_file', { path: `past-the-cap-${i}.txt`, content });
      assert.equal(outcome.isError, true, outcome.text);
      assert.match(outcome.text, /disk cap of 4 MiB/);
    }
    const edit = await invokeTool(host, 'edit_file', { path: 'small.txt', oldText: 'small', newText: 'x'.repeat(1024 * 1024) });
    assert.equal(edit.isError, true, edit.text);
    assert.match(edit.text, /disk cap of 4 MiB/);
    // Reads go on: they are how the person and the agent see what to discard.
    const read = await invokeTool(host, 'read_file', { path: 'small.txt' });
    assert.equal(read.isError, false, read.text);
    assert.match(read.text, /small/);

    const listing = await session.helper(
      { name: 'agent-sandbox-test-list', text: 'printf "%s\\n" /workspace/* /workspace/.[!.]*; wc -c < /workspace/small.txt' },
      [],
    );
    assert.doesNotMatch(listing.stdout.toString(), /past-the-cap/);
    assert.match(listing.stdout.toString(), /\n6\n$/, 'small.txt keeps its 6 bytes');
  } finally {
    await host.close();
  }
});
