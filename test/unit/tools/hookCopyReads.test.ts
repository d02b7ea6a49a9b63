/**
 * The pure part of routing Claude Code's Read and searches: which calls are planned, which
 * paths count as inside the workspace, and what the refusals tell the agent.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { answerCopyRead } from '../../../src/cli/hookCopyReads';
import { SANDBOX_WORKDIR } from '../../../src/core/engine/hardening';
import { copyReadContext, copyRelativePath, copySearchReason, planCopyRead } from '../../../src/core/tools/hookCopyReads';
import { planHook } from '../../../src/core/tools/hooks';

const payload = (toolName: string, toolInput: Record<string, unknown>) => ({ event: 'PreToolUse', toolName, toolInput });

describe('planning copy reads', () => {
  it('leaves every other tool to the rest of the plan', () => {
    for (const tool of ['Bash', 'Edit', 'WebFetch', 'read_file', 'bash', 'edit'])
      assert.equal(planCopyRead(payload(tool, { file_path: 'a' })), undefined);
  });

  it("plans Copilot's view as a read of its path, and its grep and glob as searches", () => {
    assert.deepEqual(planCopyRead(payload('view', { path: 'notes.md', view_range: [1, 2] })), {
      kind: 'copyRead',
      tool: 'view',
      field: 'path',
      target: 'notes.md',
    });
    assert.deepEqual(planCopyRead(payload('grep', { pattern: 'x' })), { kind: 'copySearch', tool: 'grep', target: '.' });
    assert.deepEqual(planCopyRead(payload('glob', { pattern: '*.ts', path: 'src' })), { kind: 'copySearch', tool: 'glob', target: 'src' });
  });

  it('refuses a Read without a usable path, rather than passing it to the host', () => {
    for (const input of [{}, { file_path: '' }, { file_path: 3 }, { file_path: 'a\0b' }]) {
      const p = planCopyRead(payload('Read', input));
      assert.equal(p?.kind, 'deny', JSON.stringify(input));
      assert.match(p?.kind === 'deny' ? p.reason : '', /file_path/);
    }
    assert.equal(planCopyRead(payload('Grep', { pattern: 'x', path: ['a'] }))?.kind, 'deny');
  });

  it('still denies host edits and host runs first', () => {
    assert.equal(planHook(payload('Edit', { file_path: '/ws/a', old_string: 'a', new_string: 'b' })).kind, 'deny');
    assert.equal(planHook(payload('EnterWorktree', { name: 'x' })).kind, 'deny');
  });

  it('tells the agent, when an Edit is refused, what works instead', () => {
    const p = planHook(payload('Edit', { file_path: '/ws/a', old_string: 'a', new_string: 'b' }));
    const reason = p.kind === 'deny' ? p.reason : '';
    assert.match(reason, /edit_file/);
    assert.match(reason, /Bash/);
  });
});

describe('paths inside the workspace', () => {
  const root = '/home/me/project';

  it('gives the relative path of a path inside, absolute or relative to the agent folder', () => {
    assert.equal(copyRelativePath('/home/me/project/src/a.ts', '/anywhere', root), 'src/a.ts');
    assert.equal(copyRelativePath('src/a.ts', root, root), 'src/a.ts');
    assert.equal(copyRelativePath('../b.ts', `${root}/src`, root), 'b.ts');
    assert.equal(copyRelativePath('.', root, root), '');
  });

  it("counts the sandbox's own mount point as inside: the agent's shell shows those paths", () => {
    assert.equal(copyRelativePath(`${SANDBOX_WORKDIR}/new.txt`, root, root), 'new.txt');
  });

  it('gives nothing for a path outside, a sibling with the same prefix, or a climb out', () => {
    assert.equal(copyRelativePath('/etc/passwd', root, root), undefined);
    assert.equal(copyRelativePath('/home/me/project-other/a', root, root), undefined);
    assert.equal(copyRelativePath('../other/a', root, root), undefined);
  });

  it('uses the host-resolved form when the named path reaches the workspace through a host link', () => {
    assert.equal(copyRelativePath('/tmp/link/a.ts', root, root, '/home/me/project/a.ts'), 'a.ts');
    assert.equal(copyRelativePath('/tmp/link/a.ts', root, root, '/tmp/real/a.ts'), undefined);
  });
});

describe('what the agent is told', () => {
  it('names the Bash route that works for each search tool', () => {
    assert.match(copySearchReason('Grep', '.'), /Bash.*grep -rn/);
    assert.match(copySearchReason('Glob', 'src'), /Bash.*find \./);
    assert.match(copySearchReason('LS', 'src'), /Bash.*ls -la/);
  });

  it("names Copilot's own shell and reader for its search tools", () => {
    assert.match(copySearchReason('grep', '.'), /bash commands run in the sandbox copy: search with bash.*grep -rn.*view still works/);
    assert.match(copySearchReason('glob', '.'), /find files with bash/);
  });

  it('says what a routed read shows and how to change the file', () => {
    const text = copyReadContext('Read', '/ws/notes.md');
    assert.match(text, /sandbox copy/);
    assert.match(text, /edit_file/);
    assert.match(text, /Bash/);
    assert.match(copyReadContext('view', '/ws/notes.md'), /your bash commands run/);
  });
});

describe('answers that need no sandbox', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-copyread-unit-')));
  fs.mkdirSync(path.join(dir, 'ws', 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ws', 'notes.md'), 'host notes\n');
  fs.symlinkSync(path.join(dir, 'ws'), path.join(dir, 'ws-link'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ws = path.join(dir, 'ws');

  it('refuses a Read in the agent folder when no sandbox covers it, as the shell is refused', async () => {
    const answer = await answerCopyRead(
      { kind: 'copyRead', tool: 'Read', field: 'file_path', target: path.join(ws, 'notes.md') },
      ws,
      undefined,
      {},
    );
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /no sandbox for .*agent-sandbox start/);
  });

  it('lets a Read outside the agent folder pass when no sandbox covers it', async () => {
    assert.equal(
      await answerCopyRead(
        { kind: 'copyRead', tool: 'Read', field: 'file_path', target: path.join(dir, 'elsewhere.txt') },
        ws,
        undefined,
        {},
      ),
      undefined,
    );
  });

  it('refuses a search inside the workspace, also through a host link to it, and lets one outside pass', async () => {
    for (const target of ['.', 'src', path.join(dir, 'ws-link', 'src')]) {
      const answer = await answerCopyRead({ kind: 'copySearch', tool: 'Grep', target }, ws, ws, {});
      assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny', target);
      assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /grep -rn/);
    }
    assert.equal(await answerCopyRead({ kind: 'copySearch', tool: 'Glob', target: dir }, ws, ws, {}), undefined);
  });

  it("refuses Gemini's read_file when no folder it accepts could be found, naming run_shell_command", async () => {
    const answer = await answerCopyRead(
      { kind: 'copyRead', tool: 'read_file', field: 'file_path', target: 'notes.md' },
      ws,
      ws,
      {},
      { unavailable: 'no temp folder.' },
    );
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /notes\.md was not read: no temp folder/);
    // Outside the workspace it is not the copy's: it passes as before.
    assert.equal(
      await answerCopyRead(
        { kind: 'copyRead', tool: 'read_file', field: 'file_path', target: path.join(dir, 'elsewhere.txt') },
        ws,
        ws,
        {},
        { unavailable: 'x' },
      ),
      undefined,
    );
  });

  it('refuses a Read of the workspace folder itself, naming ls', async () => {
    const answer = await answerCopyRead({ kind: 'copyRead', tool: 'Read', field: 'file_path', target: ws }, ws, ws, {});
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /workspace folder, not a file.*ls -la/);
  });
});
