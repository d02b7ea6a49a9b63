/**
 * `agent-sandbox setup`: prints the diff before writing, writes nothing with --dry-run,
 * removes exactly what it added with --undo, and turns a malformed file or a wrong agent name
 * into a clear error with nothing written.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { launcherPath } from '../../../src/core/tools/launcher';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-setup-cli-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));
process.env.AGENT_SANDBOX_STATE_DIR = path.join(base, 'state');
process.env.CODEX_HOME = path.join(base, 'codex-home');
// The launcher the set-up writes must start something; this test only reads it.
process.env.AGENT_SANDBOX_CLI = path.join(base, 'cli.js');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    stdout: (b) => (out += b.toString()),
    stderr: (b) => (err += b.toString()),
  });
  return { code, out, err };
}

describe('agent-sandbox setup', () => {
  const ws = path.join(base, 'ws');
  fs.mkdirSync(ws);
  const config = path.join(base, 'codex-home', 'config.toml');

  it('--dry-run prints the diff and the Codex sandbox advice, and writes nothing (not even the launcher)', async () => {
    const r = await cli('--workspace', ws, 'setup', 'codex', '--dry-run');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\+\[mcp_servers\.agent-sandbox\]/);
    assert.match(r.err, /danger-full-access/);
    assert.equal(fs.existsSync(config), false);
    assert.equal(fs.existsSync(path.join(base, 'state', 'bin', 'agent-sandbox')), false);
  });

  it("writes the block and the launcher it names, and --undo gives the person's file back", async () => {
    fs.mkdirSync(path.dirname(config), { recursive: true });
    fs.writeFileSync(config, 'model = "o4"\n');
    const r = await cli('--workspace', ws, 'setup', 'codex');
    assert.equal(r.code, 0, r.err);
    const launcher = launcherPath();
    assert.ok(fs.readFileSync(config, 'utf8').includes(`command = "${launcher}"\nargs = ["mcp"]`));
    assert.ok(fs.statSync(launcher).isFile(), 'the launcher the files name exists');
    const again = await cli('--workspace', ws, 'setup', 'codex');
    assert.match(again.out, /already set up/);
    const undo = await cli('--workspace', ws, 'setup', 'codex', '--undo');
    assert.equal(undo.code, 0, undo.err);
    assert.equal(fs.readFileSync(config, 'utf8'), 'model = "o4"\n');
  });

  it('refuses a malformed file with exit code 1 and its name, writing nothing', async () => {
    const file = path.join(ws, '.gemini', 'settings.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{ "theme": ');
    const r = await cli('--workspace', ws, 'setup', 'gemini');
    assert.equal(r.code, 1);
    assert.ok(r.err.includes(file) && r.err.includes('not valid JSON'), r.err);
    assert.equal(fs.readFileSync(file, 'utf8'), '{ "theme": ');
  });

  it('names the agents on a wrong one, and has its own help', async () => {
    const wrong = await cli('--workspace', ws, 'setup', 'cursor');
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /setup needs one agent: claude, codex, gemini/);
    const help = await cli('setup', '--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /--undo .*\n.*--dry-run/);
  });
});
