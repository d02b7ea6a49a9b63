/**
 * The pending-command store and the line the hook hands back: only the exact line the hook
 * produces passes unchanged; a stored command round-trips byte for byte, once, privately.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  isPendingCommandLine,
  PENDING_TTL_MS,
  PendingCommandError,
  pendingCommandLine,
  pendingDir,
  storePendingCommand,
  takePendingCommand,
} from '../../../src/core/tools/pendingCommands';

const LAUNCHER = '/home/dev/.local/state/agent-sandbox/bin/agent-sandbox';
const ID = 'p0123456789abcdef0123456789abcdef';

describe('the handed-back line', () => {
  it('is the launcher, run-pending and the id, nothing else', () => {
    assert.equal(pendingCommandLine(LAUNCHER, ID), `${LAUNCHER} run-pending ${ID}`);
    assert.throws(() => pendingCommandLine('/home/my dev/state/bin/agent-sandbox', ID), /AGENT_SANDBOX_STATE_DIR/);
    assert.throws(() => pendingCommandLine("/home/o'neil/bin/agent-sandbox", ID), /AGENT_SANDBOX_STATE_DIR/);
    assert.throws(() => pendingCommandLine(LAUNCHER, 'ABC'), PendingCommandError);
  });

  it('passes unchanged only when the whole line is exactly that form', () => {
    const line = `${LAUNCHER} run-pending ${ID}`;
    assert.ok(isPendingCommandLine(LAUNCHER, line));
    for (const lookAlike of [
      `${line}; id > /tmp/pwned`,
      `${line} && id`,
      `${line}\nid`,
      `${line} `,
      ` ${line}`,
      `${line}0`,
      `${line.slice(0, -1)}`,
      `${LAUNCHER} run-pending ${ID.toUpperCase()}`,
      `${LAUNCHER} run-pending ${ID.slice(1)}`,
      `${LAUNCHER}  run-pending ${ID}`,
      `${LAUNCHER} run-pending $(id)`,
      `${LAUNCHER} run-pending ${ID} extra`,
      `/other/bin/agent-sandbox run-pending ${ID}`,
      `${LAUNCHER} run -- sh -c id`,
      `${LAUNCHER} --workspace / run -- true; id > /tmp/pwned`,
    ]) {
      assert.equal(isPendingCommandLine(LAUNCHER, lookAlike), false, JSON.stringify(lookAlike));
    }
    assert.equal(isPendingCommandLine('/a b/agent-sandbox', `/a b/agent-sandbox run-pending ${ID}`), false);
  });
});

describe('the pending-command store', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-pending-'));
  const env = { AGENT_SANDBOX_STATE_DIR: path.join(root, 'state') };
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps the command byte for byte, in a private file, and gives it out once', () => {
    const command = "printf '%s' \"a'b\" \\\n $HOME `id` ünï ✓ \u2028 \r\n";
    const id = storePendingCommand({ root: '/w', subdir: 'src/a b', command }, env);
    assert.match(id, /^p[0-9a-f]{32}$/);
    const dir = pendingDir(env);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(dir, `${id}.json`)).mode & 0o777, 0o600);
    assert.deepEqual(takePendingCommand(id, env), { root: '/w', subdir: 'src/a b', command });
    assert.throws(() => takePendingCommand(id, env), /no pending command .*Nothing was run/);
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n !== 'last-sweep'),
      [],
    );
  });

  it('refuses malformed ids, NUL bytes, folders above the root and expired entries', () => {
    assert.throws(() => takePendingCommand('../../etc/passwd', env), /not a pending command id/);
    assert.throws(() => storePendingCommand({ root: '/w', subdir: '', command: 'a\0b' }, env), /NUL/);
    assert.throws(() => storePendingCommand({ root: '/w', subdir: '../x', command: 'ls' }, env), /not a folder below/);
    const old = Date.now() - PENDING_TTL_MS - 1000;
    const id = storePendingCommand({ root: '/w', subdir: '', command: 'ls' }, env, old);
    assert.throws(() => takePendingCommand(id, env), /expired/);
  });

  it('removes expired entries when new ones are stored', () => {
    const stale = storePendingCommand({ root: '/w', subdir: '', command: 'old' }, env);
    const file = path.join(pendingDir(env), `${stale}.json`);
    const past = new Date(Date.now() - PENDING_TTL_MS - 60_000);
    fs.utimesSync(file, past, past);
    // Sweeps run at most every ten minutes; this store comes after the interval.
    const fresh = storePendingCommand({ root: '/w', subdir: '', command: 'new' }, env, Date.now() + 11 * 60_000);
    assert.equal(fs.existsSync(file), false);
    assert.equal(takePendingCommand(fresh, env, Date.now() + 11 * 60_000).command, 'new');
  });

  it('does not follow a link planted in place of an entry', () => {
    const id = storePendingCommand({ root: '/w', subdir: '', command: 'ls' }, env);
    const file = path.join(pendingDir(env), `${id}.json`);
    const target = path.join(root, 'elsewhere.json');
    fs.writeFileSync(target, JSON.stringify({ version: 1, created: Date.now(), root: '/', subdir: '', command: 'id' }), { mode: 0o600 });
    fs.rmSync(file);
    fs.symlinkSync(target, file);
    assert.throws(() => takePendingCommand(id, env), /not a private file/);
    assert.equal(fs.existsSync(target), true);
  });
});
