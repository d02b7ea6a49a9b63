import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { currentCliInvocation } from '../../../src/core/tools/cliInvocation';
import { mergeHookConfig, CLAUDE_MATCHER, hookCommandLine, hookConfigPath } from '../../../src/core/tools/hookConfig';
import { denyAnswer, HookInputError, parseHookPayload, planHook, rewriteAnswer, sandboxArgv } from '../../../src/core/tools/hooks';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'hooks');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

describe('hook payloads', () => {
  it('reads Claude Code and VS Code PreToolUse payloads', () => {
    const claude = parseHookPayload(fixture('claude-pretooluse-bash.json'));
    assert.equal(claude.event, 'PreToolUse');
    assert.equal(claude.toolName, 'Bash');
    assert.equal(claude.cwd, '/home/dev/project');
    assert.match(String(claude.toolInput.command), /6 \* 7/);
    const vscode = parseHookPayload(fixture('vscode-pretooluse-terminal.json'));
    assert.equal(vscode.event, 'PreToolUse');
    assert.equal(vscode.toolName, 'run_in_terminal');
  });

  it('rejects input that is not a hook payload', () => {
    assert.throws(() => parseHookPayload('nope'), HookInputError);
    assert.throws(() => parseHookPayload('[]'), HookInputError);
    assert.throws(() => parseHookPayload('{"cwd":"/x"}'), /tool_name/);
  });

  it('plans shell calls, denies host edits and other events, and passes reads', () => {
    assert.deepEqual(planHook(parseHookPayload(fixture('claude-pretooluse-bash.json'))).kind, 'shell');
    assert.deepEqual(planHook(parseHookPayload(fixture('vscode-pretooluse-terminal.json'))).kind, 'shell');
    assert.equal(planHook(parseHookPayload(fixture('claude-pretooluse-write.json'))).kind, 'deny');
    assert.equal(planHook(parseHookPayload(fixture('vscode-pretooluse-edit.json'))).kind, 'deny');
    assert.equal(planHook(parseHookPayload(fixture('vscode-pretooluse-edit.json')), { allowHostEdits: true }).kind, 'pass');
    assert.equal(planHook(parseHookPayload(fixture('vscode-pretooluse-read.json'))).kind, 'pass');
    // Only pre-tool-use is judged; any other event name is refused, never let through.
    assert.equal(planHook({ event: 'PostToolUse', toolName: 'Bash', toolInput: { command: 'x' } }).kind, 'deny');
    assert.equal(planHook({ event: 'pretooluse', toolName: 'Bash', toolInput: { command: 'x' } }).kind, 'shell');
    assert.equal(planHook({ event: 'PreToolUse ', toolName: 'Bash', toolInput: { command: 'x' } }).kind, 'shell');
    assert.equal(planHook({ event: 'PreToolUse', toolName: 'Bash', toolInput: {} }).kind, 'deny');
  });
});

describe('the sandboxed argv', () => {
  it('puts the original command as one element after sh -c', () => {
    assert.deepEqual(sandboxArgv("echo 'hi' && ls"), ['sh', '-c', "echo 'hi' && ls"]);
  });

  it('starts in a subfolder through an argument, never by splicing', () => {
    assert.deepEqual(sandboxArgv('pwd', 'src/a b'), [
      'sh',
      '-c',
      'cd -- "$1" || exit 126; exec sh -c "$2"',
      'agent-sandbox-cd',
      'src/a b',
      'pwd',
    ]);
  });

  it('answers in the shared hookSpecificOutput shape, keeping the other input fields', () => {
    const answer = rewriteAnswer({ command: 'ls', description: 'list', timeout: 5 }, 'NEW', {
      decision: 'allow',
      additionalContext: 'ctx',
    });
    assert.deepEqual(answer.hookSpecificOutput.updatedInput, { command: 'NEW', description: 'list', timeout: 5 });
    assert.equal(answer.hookSpecificOutput.permissionDecision, 'allow');
    assert.equal(answer.hookSpecificOutput.additionalContext, 'ctx');
    assert.deepEqual(denyAnswer('why'), {
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'why' },
    });
  });
});

describe('hook configuration', () => {
  it('names the files each agent reads', () => {
    assert.equal(hookConfigPath('/p', 'claude'), '/p/.claude/settings.local.json');
    assert.equal(hookConfigPath('/p', 'vscode'), '/p/.github/hooks/agent-sandbox.json');
    assert.equal(
      hookCommandLine('/home/dev/.local/state/agent-sandbox/bin/agent-sandbox', 'claude'),
      '/bin/sh /home/dev/.local/state/agent-sandbox/bin/agent-sandbox hook claude || exit 2',
    );
  });

  it('adds our Claude Code entry and keeps every other setting and hook', () => {
    const existing = {
      permissions: { allow: ['Bash(npm test)'] },
      hooks: { PreToolUse: [{ matcher: 'Read', hooks: [{ type: 'command', command: 'audit.sh' }] }], Stop: [{ hooks: [] }] },
    };
    const merged = mergeHookConfig(existing, 'claude', 'node cli.js hook claude');
    assert.deepEqual(merged.permissions, existing.permissions);
    const pre = (merged.hooks as { PreToolUse: unknown[]; Stop: unknown }).PreToolUse;
    assert.equal(pre.length, 2);
    assert.deepEqual(pre[1], { matcher: CLAUDE_MATCHER, hooks: [{ type: 'command', command: 'node cli.js hook claude', timeout: 30 }] });
    assert.deepEqual((merged.hooks as { Stop: unknown }).Stop, existing.hooks.Stop);
    // Writing again replaces our entry instead of adding a second one, in either form.
    const again = mergeHookConfig(merged, 'claude', '/bin/sh /s/bin/agent-sandbox hook claude || exit 2');
    assert.equal((again.hooks as { PreToolUse: unknown[] }).PreToolUse.length, 2);
    const third = mergeHookConfig(again, 'claude', '/bin/sh /t/bin/agent-sandbox hook claude || exit 2');
    assert.deepEqual(
      (third.hooks as { PreToolUse: { hooks: { command: string }[] }[] }).PreToolUse.map((e) => e.hooks[0]!.command),
      ['audit.sh', '/bin/sh /t/bin/agent-sandbox hook claude || exit 2'],
    );
    assert.equal(existing.hooks.PreToolUse.length, 1, 'the input is not modified');
  });

  it('writes the VS Code format without a matcher, and refuses a non-object file', () => {
    const merged = mergeHookConfig(undefined, 'vscode', 'x hook vscode');
    assert.deepEqual(merged, { hooks: { PreToolUse: [{ type: 'command', command: 'x hook vscode', timeout: 30 }] } });
    assert.throws(() => mergeHookConfig([], 'vscode', 'x'), /not a JSON object/);
  });
});

describe('the CLI invocation in rewritten commands', () => {
  it('carries ELECTRON_RUN_AS_NODE when the CLI runs under an editor, and honours an override', () => {
    const plain = currentCliInvocation({});
    assert.equal(plain[0], process.execPath);
    assert.deepEqual(currentCliInvocation({ ELECTRON_RUN_AS_NODE: '1' }).slice(0, 3), ['env', 'ELECTRON_RUN_AS_NODE=1', process.execPath]);
    assert.deepEqual(currentCliInvocation({ AGENT_SANDBOX_CLI: '/usr/local/bin/agent-sandbox' }), ['/usr/local/bin/agent-sandbox']);
    assert.deepEqual(currentCliInvocation({ AGENT_SANDBOX_CLI: '["node","/opt/cli.js"]' }), ['node', '/opt/cli.js']);
    assert.throws(() => currentCliInvocation({ AGENT_SANDBOX_CLI: '[1]' }), /JSON array of strings/);
  });

  it('carries only plain fields into the rewritten input, so a deeply nested one cannot break the answer', () => {
    let nested: unknown = [];
    for (let i = 0; i < 200_000; i++) nested = [nested];
    const answer = rewriteAnswer(
      { command: 'ls', description: 'list', timeout: 5, run_in_background: false, extra: nested },
      '/s/bin/agent-sandbox run-pending p0',
      { decision: 'allow' },
    );
    assert.deepEqual(answer.hookSpecificOutput.updatedInput, {
      command: '/s/bin/agent-sandbox run-pending p0',
      description: 'list',
      timeout: 5,
      run_in_background: false,
    });
    assert.doesNotThrow(() => JSON.stringify(answer));
  });
});
