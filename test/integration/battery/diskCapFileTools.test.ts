/**
 * The adversarial battery: the soft disk cap and the file tools. A session whose copy went
 * over its soft cap is marked, and from then on `run` refuses every command until changes
 * are applied or discarded (README, "The disk cap"). The editor's language model tools see
 * the mark through the health check. The MCP server and the hooks attach for each call
 * without a health check, and their write_file and edit_file write through the session's
 * helper, which does not look at the mark.
 *
 * This file reproduces the gap: it passes while the file tools write past the mark. Once they
 * refuse, flip its last assertions (each write_file answers an error naming the disk cap,
 * and no file is written).
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
import { sh, startBatterySession, type BatterySession } from '../support/battery';

let battery: BatterySession;

before(async () => {
  battery = await startBatterySession({ 'small.txt': 'small\n' }, { diskCapMb: 4 });
});

after(() => battery?.dispose());

test('a session over its soft disk cap refuses commands, and its MCP write_file writes on (reproduction)', async (t) => {
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
    const outcomes: Awaited<ReturnType<typeof invokeTool>>[] = [];
    for (let i = 0; i < 3; i++) outcomes.push(await invokeTool(host, 'write_file', { path: `past-the-cap-${i}.txt`, content }));
    for (const outcome of outcomes) assert.equal(outcome.isError, false, outcome.text);
    // run is still refused: only the file tools go on.
    await assert.rejects(
      () => sh(session, 'true'),
      (err: unknown) => err instanceof SandboxError && err.code === 'DISK_CAP_EXCEEDED',
    );
    for (let i = 0; i < 3; i++) {
      const r = await session.helper({ name: 'agent-sandbox-test-size', text: 'wc -c < "/workspace/$1"' }, [`past-the-cap-${i}.txt`]);
      assert.equal(r.stdout.toString().trim(), String(1024 * 1024), `past-the-cap-${i}.txt`);
    }
  } finally {
    await host.close();
  }
});
