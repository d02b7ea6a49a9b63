/**
 * Claude Code's Read and searches through the hook, against a real session: a Read inside the
 * workspace is pointed at the sandbox copy's version of the file (a private host file holding
 * what the container's commands wrote), the rest of its input kept; a file only the copy lacks
 * is refused as missing there; searches inside the workspace are refused with the Bash route;
 * paths outside pass; with the engine down or the sandbox stopped the Read is refused.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_WORKDIR } from '../../src/core/engine/hardening';
import { disposeStateRoot } from './support/battery';
import { cli, isolateState, makeWorkspace } from './support/sandbox';

const DEAD_ENGINE = 'unix:///nonexistent/agent-sandbox-test/docker.sock';

interface HookAnswer {
  hookSpecificOutput: {
    permissionDecision: 'allow' | 'deny' | 'ask';
    permissionDecisionReason: string;
    updatedInput?: Record<string, unknown>;
    additionalContext?: string;
  };
}

describe("the hook shows Claude Code's Read the sandbox copy", () => {
  let stateDir: string;
  let workspace: string;

  async function hook(
    toolName: string,
    toolInput: Record<string, unknown>,
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ): Promise<{ code: number; answer?: HookAnswer; stderr: string }> {
    const input = JSON.stringify({
      session_id: 's',
      hook_event_name: 'PreToolUse',
      cwd: options.cwd ?? workspace,
      tool_name: toolName,
      tool_input: toolInput,
    });
    const r = await cli(['hook', 'claude'], { input, ...(options.env ? { env: options.env } : {}) });
    return { code: r.code, stderr: r.stderr, ...(r.stdout.trim() ? { answer: JSON.parse(r.stdout) as HookAnswer } : {}) };
  }

  before(async () => {
    ({ stateDir } = isolateState());
    workspace = fs.realpathSync(makeWorkspace({ 'notes.md': 'original notes\n', 'src/keep.txt': 'keep\n', '.env': 'SECRET=1\n' }));
    const started = await cli(['--workspace', workspace, 'start']);
    assert.equal(started.code, 0, started.stderr);
    const ran = await cli([
      '--workspace',
      workspace,
      'run',
      '--',
      'sh',
      '-c',
      'echo hi > new.txt && echo changed notes > notes.md && mkdir made',
    ]);
    assert.equal(ran.code, 0, ran.stderr);
  });

  after(() => {
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it("points a Read at the copy's version, keeping offset and limit, and tells the agent how to edit", async () => {
    for (const [name, content] of [
      ['new.txt', 'hi\n'],
      ['notes.md', 'changed notes\n'],
    ] as const) {
      const { code, answer } = await hook('Read', { file_path: path.join(workspace, name), offset: 1, limit: 20 });
      assert.equal(code, 0);
      const out = answer!.hookSpecificOutput;
      assert.equal(out.permissionDecision, 'allow', out.permissionDecisionReason);
      const routed = out.updatedInput!.file_path as string;
      assert.ok(routed.startsWith(path.join(stateDir, 'copy-reads') + path.sep), routed);
      assert.equal(path.basename(routed), name);
      assert.equal(fs.readFileSync(routed, 'utf8'), content);
      assert.equal(out.updatedInput!.offset, 1);
      assert.equal(out.updatedInput!.limit, 20);
      assert.match(out.additionalContext ?? '', /sandbox copy.*edit_file/s);
    }
    assert.equal(fs.readFileSync(path.join(workspace, 'notes.md'), 'utf8'), 'original notes\n', 'the real file changed');
    assert.equal(fs.existsSync(path.join(workspace, 'new.txt')), false);
  });

  it('routes a relative path from the agent folder, and a path under the sandbox mount point', async () => {
    const rel = await hook('Read', { file_path: 'keep.txt' }, { cwd: path.join(workspace, 'src') });
    assert.equal(fs.readFileSync(rel.answer!.hookSpecificOutput.updatedInput!.file_path as string, 'utf8'), 'keep\n');
    const mount = await hook('Read', { file_path: `${SANDBOX_WORKDIR}/new.txt` });
    assert.equal(fs.readFileSync(mount.answer!.hookSpecificOutput.updatedInput!.file_path as string, 'utf8'), 'hi\n');
  });

  it('refuses a Read of what the copy does not have (a secret that was never copied in) or of a folder, saying so', async () => {
    const secret = await hook('Read', { file_path: path.join(workspace, '.env') });
    assert.equal(secret.answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(secret.answer!.hookSpecificOutput.permissionDecisionReason, /does not exist in the sandbox copy/);
    const folder = await hook('Read', { file_path: path.join(workspace, 'made') });
    assert.equal(folder.answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(folder.answer!.hookSpecificOutput.permissionDecisionReason, /is a folder in the sandbox copy/);
  });

  it('refuses Glob, Grep and LS inside the workspace with the Bash route, and lets them and Read pass outside', async () => {
    for (const [tool, input] of [
      ['Glob', { pattern: '**/*.txt' }],
      ['Grep', { pattern: 'hi', path: 'src' }],
      ['LS', { path: workspace }],
    ] as const) {
      const { code, answer } = await hook(tool, input);
      assert.equal(code, 0);
      assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny', tool);
      assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /Bash commands run in the sandbox copy/);
    }
    const outside = os.tmpdir();
    for (const [tool, input] of [
      ['Glob', { pattern: '*', path: outside }],
      ['Read', { file_path: '/etc/hostname' }],
    ] as const) {
      const { code, answer } = await hook(tool, input);
      assert.equal(code, 0);
      assert.equal(answer, undefined, `${tool} outside the workspace should pass: ${JSON.stringify(answer)}`);
    }
  });

  it('refuses the Read, naming the reason, when the engine is down', async () => {
    const { code, answer } = await hook('Read', { file_path: path.join(workspace, 'notes.md') }, { env: { DOCKER_HOST: DEAD_ENGINE } });
    assert.equal(code, 0);
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /not available.*not reachable/s);
    assert.equal(answer!.hookSpecificOutput.updatedInput, undefined);
  });

  it('refuses the Read when the sandbox is stopped, and routes it again once it is started', async () => {
    const stopped = await cli(['--workspace', workspace, 'stop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    const { answer } = await hook('Read', { file_path: path.join(workspace, 'notes.md') });
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /not available/);
    const started = await cli(['--workspace', workspace, 'start']);
    assert.equal(started.code, 0, started.stderr);
    const again = await hook('Read', { file_path: path.join(workspace, 'notes.md') });
    assert.equal(fs.readFileSync(again.answer!.hookSpecificOutput.updatedInput!.file_path as string, 'utf8'), 'changed notes\n');
  });
});
