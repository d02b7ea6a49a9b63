/**
 * The pure part of routing Claude Code's Read and searches: which calls are planned, which
 * paths count as inside the workspace, and what the refusals tell the agent.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SANDBOX_WORKDIR } from '../../../src/core/engine/hardening';
import { copyReadContext, copyRelativePath, copySearchReason, planCopyRead } from '../../../src/core/tools/hookCopyReads';
import { planHook } from '../../../src/core/tools/hooks';

const payload = (toolName: string, toolInput: Record<string, unknown>) => ({ event: 'PreToolUse', toolName, toolInput });

describe('planning copy reads', () => {
  it('leaves every other tool to the rest of the plan', () => {
    for (const tool of ['Bash', 'Edit', 'WebFetch', 'read_file', 'view', 'grep']) assert.equal(planCopyRead(payload(tool, { file_path: 'a' })), undefined);
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

  it('says what a routed read shows and how to change the file', () => {
    const text = copyReadContext('/ws/notes.md');
    assert.match(text, /sandbox copy/);
    assert.match(text, /edit_file/);
    assert.match(text, /Bash/);
  });
});
