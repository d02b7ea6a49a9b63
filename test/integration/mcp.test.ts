/**
 * The MCP server end to end: a client built with the official SDK starts `agent-sandbox mcp`
 * over stdio, lists the tools, edits files through them, reads the pending changes, and the
 * real tree stays as it was until `apply`. Bad calls are tool errors and the server keeps
 * serving. Review feedback reaches the agent and the copy follows the decision. One server
 * and one session serve the whole file.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { attachSession } from '../../src/core/session/lifecycle';
import { TOOL_NAMES } from '../../src/core/tools/definitions';
import { disposeStateRoot } from './support/battery';
import { cli, isolateState, makeWorkspace, REPO_ROOT, testPolicy } from './support/sandbox';

interface TextResult {
  isError: boolean;
  text: string;
}

describe('agent-sandbox mcp', () => {
  let stateDir: string;
  let workspace: string;
  let client: Client;
  let stderr = '';

  const call = async (name: string, args: Record<string, unknown>): Promise<TextResult> => {
    const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { type: string; text?: string }[] };
    return { isError: result.isError === true, text: result.content.map((c) => c.text ?? '').join('\n') };
  };
  const realFile = (rel: string) => fs.readFileSync(path.join(workspace, rel), 'utf8');
  const airlock = async () => (await attachSession({ workspaceRoot: workspace, policy: testPolicy() })).airlock();

  before(async () => {
    ({ stateDir } = isolateState());
    workspace = makeWorkspace({
      'README.md': 'hello\n',
      'src/app.js': [
        '// app',
        'const a = 1;',
        'const b = 2;',
        'const c = 3;',
        'const d = 4;',
        'const e = 5;',
        'const f = 6;',
        'const g = 7;',
        'const h = 8;',
        'const i = 9;',
        'module.exports = { a, i };',
        '',
      ].join('\n'),
    });
    const transport = new StdioClientTransport({
      command: path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      args: [path.join(REPO_ROOT, 'src', 'cli', 'main.ts'), '--workspace', workspace, 'mcp', '--start'],
      env: process.env as Record<string, string>,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    client = new Client({ name: 'agent-sandbox-test', version: '1.0.0' });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('lists the sandbox tools with their input schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [...TOOL_NAMES].sort());
    const run = tools.find((t) => t.name === 'run_command')!;
    assert.deepEqual(run.inputSchema.required, ['command']);
    assert.match(run.description ?? '', /Nothing reaches the real workspace/);
    assert.equal(tools.find((t) => t.name === 'read_file')!.annotations?.readOnlyHint, true);
  });

  it('runs a command that edits files; the result says what happened and the real tree is unchanged', async () => {
    const r = await call('run_command', {
      command: 'echo changed >> README.md && mkdir -p out && echo new > out/new.txt && echo done && echo warn >&2',
    });
    assert.equal(r.isError, false, r.text);
    assert.match(r.text, /exited with code 0/);
    assert.match(r.text, /Files changed in the sandbox copy \(\d+\): .*README\.md/);
    assert.match(r.text, /out\/new\.txt/);
    assert.match(r.text, /stdout:\ndone/);
    assert.match(r.text, /stderr:\nwarn/);
    assert.match(r.text, /Nothing has reached the real workspace yet/);
    assert.equal(realFile('README.md'), 'hello\n');
    assert.equal(fs.existsSync(path.join(workspace, 'out')), false);
  });

  it('reports a failing command with its exit code, and long output with the count of dropped bytes', async () => {
    const failed = await call('run_command', { command: 'exit 3' });
    assert.equal(failed.isError, false);
    assert.match(failed.text, /exited with code 3/);
    const long = await call('run_command', { command: 'head -c 100000 /dev/zero | tr "\\0" x' });
    const stdout = /stdout \(truncated: (\d+) bytes dropped\):\n([\s\S]*?)\nstderr/.exec(long.text);
    assert.ok(stdout, long.text.slice(0, 300));
    const kept = stdout[2]!.match(/x/g)?.length ?? 0;
    assert.match(stdout[2]!, /\[\.\.\. \d+ bytes dropped \.\.\.\]/);
    assert.equal(Number(stdout[1]) + kept, 100000, 'kept and dropped bytes add up to the output');
  });

  it('writes, reads and edits files of the sandbox copy only', async () => {
    const wrote = await call('write_file', { path: 'docs/guide.md', content: 'line one\nline two\nline three\n' });
    assert.equal(wrote.isError, false, wrote.text);
    assert.match(wrote.text, /Created docs\/guide\.md/);
    const edited = await call('edit_file', { path: 'docs/guide.md', oldText: 'line two', newText: 'line 2' });
    assert.equal(edited.isError, false, edited.text);
    const read = await call('read_file', { path: '/workspace/docs/guide.md', startLine: 2, endLine: 3 });
    assert.equal(read.isError, false, read.text);
    assert.match(read.text, /lines 2-3 of 3/);
    assert.match(read.text, /^2: line 2$/m);
    assert.match(read.text, /^3: line three$/m);
    assert.equal(fs.existsSync(path.join(workspace, 'docs')), false);
  });

  it('refuses paths outside the copy and writes through symlinks', async () => {
    const up = await call('write_file', { path: '../escape.txt', content: 'x' });
    assert.equal(up.isError, true);
    assert.match(up.text, /climbs out/);
    const abs = await call('read_file', { path: '/etc/passwd' });
    assert.equal(abs.isError, true);
    assert.match(abs.text, /outside the workspace/);
    await call('run_command', { command: 'ln -s /tmp linkdir' });
    const viaLink = await call('write_file', { path: 'linkdir/planted.txt', content: 'x' });
    assert.equal(viaLink.isError, true);
    assert.match(viaLink.text, /linkdir is a symbolic link/);
    const probe = await call('run_command', { command: 'test -e /tmp/planted.txt && echo present || echo absent' });
    assert.match(probe.text, /stdout:\nabsent/);
  });

  it('returns a tool error for a malformed call and keeps serving', async () => {
    const bad = await call('run_command', { command: 42 });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /command/);
    const extra = await call('edit_file', { path: 'README.md', oldText: 'nope-not-there', newText: 'x' });
    assert.equal(extra.isError, true);
    assert.match(extra.text, /oldText was not found/);
    const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} }).then(
      (r) => ({ isError: (r as { isError?: boolean }).isError === true }),
      () => ({ isError: true }),
    );
    assert.equal(unknown.isError, true);
    const ok = await call('run_command', { command: 'echo still here' });
    assert.equal(ok.isError, false);
    assert.match(ok.text, /still here/);
  });

  it('lists the pending changes with diffs', async () => {
    const r = await call('list_changes', { diff: true });
    assert.equal(r.isError, false, r.text);
    assert.match(r.text, /- modified README\.md/);
    assert.match(r.text, /- added out\/new\.txt/);
    assert.match(r.text, /- added docs\/guide\.md/);
    assert.match(r.text, /^\+changed$/m);
    const only = await call('list_changes', { paths: ['README.md'] });
    assert.doesNotMatch(only.text, /out\/new\.txt/);
  });

  it('tells the agent what review rejected, and undoes it in the copy', async () => {
    const edit = await call('run_command', {
      command: "sed -i -e 's/const a = 1;/const a = 10;/' -e 's/const i = 9;/const i = 90;/' src/app.js",
    });
    assert.equal(edit.isError, false, edit.text);
    const lock = await airlock();
    const hunks = await lock.hunks('src/app.js');
    assert.equal(hunks?.length, 2, 'two separate hunks');
    await lock.decide('src/app.js', 'rejected', { hunks: [1], reason: 'keep a at 1' });
    await lock.decide('out/new.txt', 'rejected', { reason: 'no build output in the repo' });

    const next = await call('read_file', { path: 'src/app.js' });
    assert.match(next.text, /NEW FEEDBACK FROM REVIEW/);
    assert.match(next.text, /src\/app\.js, hunk 1: reason: "keep a at 1"/);
    assert.match(next.text, /out\/new\.txt \(the whole change to this file\): reason: "no build output in the repo"/);
    // The copy follows the decisions: hunk 1 and the rejected file are gone, hunk 2 stays.
    assert.match(next.text, /^2: const a = 1;$/m);
    assert.match(next.text, /^10: const i = 90;$/m);
    const gone = await call('run_command', { command: 'test -e out/new.txt && echo present || echo absent' });
    assert.doesNotMatch(gone.text, /NEW FEEDBACK/, 'feedback is delivered once');
    assert.match(gone.text, /stdout:\nabsent/);

    const feedback = await call('review_feedback', {});
    assert.match(feedback.text, /keep a at 1/);
    assert.match(feedback.text, /no build output in the repo/);
    const cleared = await call('review_feedback', { acknowledge: true });
    assert.match(cleared.text, /cleared/);
    assert.match((await call('review_feedback', {})).text, /nothing has been rejected/);
  });

  it('leaves the real tree unchanged until apply, which writes what was approved', async () => {
    assert.equal(realFile('README.md'), 'hello\n');
    const applied = await cli(['--workspace', workspace, 'apply', 'README.md', 'src/app.js', 'docs/guide.md']);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.equal(realFile('README.md'), 'hello\nchanged\n');
    assert.match(realFile('src/app.js'), /const a = 1;[\s\S]*const i = 90;/);
    assert.equal(realFile('docs/guide.md'), 'line one\nline 2\nline three\n');
    assert.equal(fs.existsSync(path.join(workspace, 'out')), false, 'the rejected file never reaches the tree');
    assert.doesNotMatch(stderr, /Error/);
  });
});
