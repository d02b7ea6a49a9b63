/**
 * The `copilot` hook format: GitHub Copilot's own runtime (Copilot CLI, the Copilot harness in
 * VS Code, the cloud agent) sends `toolName` and `toolArgs` (an object, or a JSON string in
 * the reference's example) and reads `permissionDecision`, `permissionDecisionReason`,
 * `modifiedArgs` and `additionalContext` at the top level. It runs a call when a hook times
 * out or prints invalid JSON, so the answer must be valid JSON in its shape, and every
 * failure ends in exit code 2 (a deny).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { hookCommand } from '../../../src/cli/hook';
import { HOOK_TIMEOUT_SEC, HOOK_WATCHDOG_MS, hookCommandLine, hookConfigPath, mergeHookConfig } from '../../../src/core/tools/hookConfig';
import { answerIn, denyAnswer, HOOK_DIALECTS, parseHookPayload, planHook, rewriteAnswer } from '../../../src/core/tools/hooks';
import { ensureLauncher, LAUNCHER_HOOK_LIMIT_SEC } from '../../../src/core/tools/launcher';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'hooks');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const plan = (toolName: string, toolInput: Record<string, unknown> = {}) =>
  planHook({ event: 'PreToolUse', toolName, toolInput, format: 'copilot' });
const reasonOf = (p: ReturnType<typeof plan>) => (p.kind === 'deny' ? p.reason : '');

describe('Copilot hook payloads', () => {
  it('is one of the hook formats', () => {
    assert.ok(HOOK_DIALECTS.includes('copilot'));
  });

  it('reads the reference example, whose toolArgs is a JSON string', () => {
    const p = parseHookPayload(fixture('copilot-pretooluse-bash-docs.json'));
    assert.equal(p.format, 'copilot');
    assert.equal(p.event, 'PreToolUse');
    assert.equal(p.toolName, 'bash');
    assert.equal(p.cwd, '/home/dev/project');
    assert.deepEqual(p.toolInput, { command: 'rm -rf dist', description: 'Clean build directory' });
  });

  it('reads the payload Copilot CLI sends, whose toolArgs is an object', () => {
    const p = parseHookPayload(fixture('copilot-pretooluse-bash.json'));
    assert.equal(p.format, 'copilot');
    assert.equal(p.toolName, 'bash');
    assert.match(String(p.toolInput.command), /6 \* 7/);
    assert.equal(p.toolInput.mode, 'async');
  });

  it('keeps the Claude-like payload (what Copilot CLI sends for a PascalCase PreToolUse entry) in the Claude format', () => {
    const p = parseHookPayload(
      JSON.stringify({ hook_event_name: 'PreToolUse', cwd: '/p', tool_name: 'bash', tool_input: { command: 'ls' } }),
    );
    assert.equal(p.format, 'claude');
    assert.equal(planHook(p).kind, 'shell');
  });

  it('treats toolArgs that are not a JSON object as no arguments, so a shell call is denied', () => {
    for (const toolArgs of ['{not json', '"ls"', '[1]', 42, null]) {
      const p = parseHookPayload(JSON.stringify({ toolName: 'bash', toolArgs }));
      assert.deepEqual(p.toolInput, {}, JSON.stringify(toolArgs));
      assert.equal(planHook(p).kind, 'deny');
    }
    assert.throws(() => parseHookPayload('{"toolArgs":{}}'), /toolName/);
  });
});

describe('Copilot tools', () => {
  it('moves bash into the sandbox, background options and all', () => {
    const p = planHook(parseHookPayload(fixture('copilot-pretooluse-bash.json')));
    assert.equal(p.kind, 'shell');
    assert.equal(plan('bash', { command: 'sleep 100', mode: 'async', detach: true }).kind, 'shell');
    assert.equal(plan('bash', { mode: 'async' }).kind, 'deny');
  });

  it('denies powershell (the sandbox has none) and write_bash (its input could reach a host shell at its prompt)', () => {
    assert.match(reasonOf(plan('powershell', { command: 'Get-ChildItem' })), /bash tool/);
    assert.match(reasonOf(plan('write_bash', { shellId: '1', input: 'rm -rf ~\n' })), /host shell/);
  });

  it('passes read_bash, stop_bash and list_bash, which only read or stop shells whose commands ran in the sandbox', () => {
    for (const tool of ['read_bash', 'stop_bash', 'list_bash']) assert.equal(plan(tool, { shellId: '1' }).kind, 'pass', tool);
  });

  for (const tool of ['create', 'edit', 'str_replace_editor', 'apply_patch']) {
    it(`refuses ${tool}, which writes the host, naming the sandbox's own tools`, () => {
      const reason = reasonOf(plan(tool, { path: '/home/dev/project/a.txt' }));
      assert.match(reason, new RegExp(`${tool} would write the real workspace`));
      assert.match(reason, /write_file or edit_file/);
      assert.match(reason, /shell command/);
    });
  }

  it('passes the reading tools, and denies an unknown tool whose name says it runs or writes', () => {
    for (const tool of ['web_fetch', 'ask_user', 'skill', 'report_intent']) assert.equal(plan(tool).kind, 'pass', tool);
    // Its readers are shown the sandbox copy inside the workspace (see hookCopyReads.ts).
    assert.equal(plan('view', { path: 'a' }).kind, 'copyRead');
    for (const tool of ['grep', 'glob']) assert.equal(plan(tool).kind, 'copySearch', tool);
    assert.equal(plan('run_in_container').kind, 'deny');
    assert.equal(plan('task', { prompt: 'x' }).kind, 'deny');
  });
});

describe('Copilot answers', () => {
  it('are flat: permissionDecision, permissionDecisionReason, modifiedArgs with every other argument kept, additionalContext', () => {
    const answer = answerIn(
      'copilot',
      rewriteAnswer({ command: 'ls', description: 'list', mode: 'async', detach: true }, 'NEW', {
        decision: 'allow',
        additionalContext: 'ctx',
      }),
    );
    assert.deepEqual(Object.keys(answer).sort(), ['additionalContext', 'modifiedArgs', 'permissionDecision', 'permissionDecisionReason']);
    assert.equal((answer as { permissionDecision: string }).permissionDecision, 'allow');
    assert.deepEqual((answer as { modifiedArgs: unknown }).modifiedArgs, {
      command: 'NEW',
      description: 'list',
      mode: 'async',
      detach: true,
    });
    assert.deepEqual(answerIn('copilot', denyAnswer('why')), { permissionDecision: 'deny', permissionDecisionReason: 'why' });
    assert.deepEqual(answerIn('claude', denyAnswer('why')), denyAnswer('why'));
  });
});

describe('agent-sandbox hook copilot', () => {
  async function runHook(input: string, args = ['copilot']): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io = { out: (s: string) => (stdout += s), err: (s: string) => (stderr += s), stdout: () => undefined, stderr: () => undefined };
    const code = await hookCommand({ workspace: os.tmpdir(), args, io }, Readable.from([Buffer.from(input)]));
    return { code, stdout, stderr };
  }

  it('refuses a host write with a Copilot-shaped deny', async () => {
    const r = await runHook(fixture('copilot-pretooluse-create.json'));
    assert.equal(r.code, 0);
    const answer = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(answer.permissionDecision, 'deny');
    assert.match(String(answer.permissionDecisionReason), /create would write the real workspace/);
    assert.equal(answer.hookSpecificOutput, undefined);
  });

  it('answers input it cannot read with a Copilot-shaped deny and exit code 2', async () => {
    const r = await runHook('not json');
    assert.equal(r.code, 2);
    assert.equal((JSON.parse(r.stdout) as { permissionDecision: string }).permissionDecision, 'deny');
    assert.match(r.stderr, /not JSON/);
  });

  it('answers a Claude-like question in the Claude format, whichever format its command line names', async () => {
    const r = await runHook(
      JSON.stringify({ hook_event_name: 'PreToolUse', cwd: '/p', tool_name: 'create', tool_input: { path: '/p/a' } }),
    );
    const answer = JSON.parse(r.stdout) as { hookSpecificOutput?: { permissionDecision: string } };
    assert.equal(answer.hookSpecificOutput?.permissionDecision, 'deny');
    const back = await runHook(fixture('copilot-pretooluse-create.json'), ['vscode']);
    assert.equal((JSON.parse(back.stdout) as { permissionDecision?: string }).permissionDecision, 'deny');
  });
});

describe('Copilot hook configuration', () => {
  const line = '/bin/sh /s/bin/agent-sandbox hook copilot || exit 2';

  it('is its own file in .github/hooks, next to the Local harness file', () => {
    assert.equal(hookConfigPath('/p', 'copilot'), '/p/.github/hooks/agent-sandbox-copilot.json');
    assert.notEqual(hookConfigPath('/p', 'copilot'), hookConfigPath('/p', 'vscode'));
    assert.equal(hookCommandLine('/s/bin/agent-sandbox', 'copilot'), line);
  });

  it('is written in Copilot format, with a timeout longer than the hook takes to give up', () => {
    assert.deepEqual(mergeHookConfig(undefined, 'copilot', line), {
      version: 1,
      hooks: { preToolUse: [{ type: 'command', bash: line, timeoutSec: HOOK_TIMEOUT_SEC }] },
    });
    // Copilot runs a call whose hook timed out: the watchdog and the launcher must answer first.
    assert.ok(HOOK_WATCHDOG_MS / 1000 < LAUNCHER_HOOK_LIMIT_SEC && LAUNCHER_HOOK_LIMIT_SEC + 2 < HOOK_TIMEOUT_SEC);
  });

  it('keeps everything else in the file and replaces only its own entry', () => {
    const existing = {
      version: 1,
      disableAllHooks: false,
      hooks: { preToolUse: [{ type: 'command', bash: './audit.sh' }], sessionStart: [{ type: 'command', bash: 'echo hi' }] },
    };
    const once = mergeHookConfig(existing, 'copilot', '/bin/sh /a/bin/agent-sandbox hook copilot || exit 2');
    const twice = mergeHookConfig(once, 'copilot', line);
    assert.deepEqual(twice, {
      ...existing,
      hooks: {
        ...existing.hooks,
        preToolUse: [
          { type: 'command', bash: './audit.sh' },
          { type: 'command', bash: line, timeoutSec: HOOK_TIMEOUT_SEC },
        ],
      },
    });
    assert.equal(existing.hooks.preToolUse.length, 1, 'the input is not modified');
  });
});

describe('the launcher, for a Copilot hook', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-launcher-copilot-'));
  const env = { AGENT_SANDBOX_STATE_DIR: path.join(base, 'state') };
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  it('blocks in Copilot shape when the CLI is gone or the hook crashes', () => {
    const gone = ensureLauncher([process.execPath, path.join(base, 'gone', 'cli.js')], env);
    const r = spawnSync(gone, ['hook', 'copilot'], { input: '{}', encoding: 'utf8' });
    assert.equal(r.status, 2);
    const answer = JSON.parse(r.stdout) as { permissionDecision?: string; permissionDecisionReason?: string };
    assert.equal(answer.permissionDecision, 'deny');
    assert.match(answer.permissionDecisionReason ?? '', /is gone/);
    const script = path.join(base, 'crash.js');
    fs.writeFileSync(script, 'process.exit(1)');
    const crashing = ensureLauncher([process.execPath, script], env);
    const c = spawnSync(crashing, ['hook', 'copilot'], { input: '{}', encoding: 'utf8' });
    assert.equal(c.status, 2);
    assert.equal((JSON.parse(c.stdout) as { permissionDecision?: string }).permissionDecision, 'deny');
    const claude = spawnSync(crashing, ['hook', 'claude'], { input: '{}', encoding: 'utf8' });
    assert.equal(
      (JSON.parse(claude.stdout) as { hookSpecificOutput?: { permissionDecision?: string } }).hookSpecificOutput?.permissionDecision,
      'deny',
    );
  });
});
