/**
 * A setting that switches the agent's hooks off makes `agent-sandbox setup` refuse, naming the
 * file and the key, with nothing written (otherwise the hook it adds would never run and the
 * agent's shell would run on this machine). Then, after the person does what the refusal
 * says, the set-up goes through and the real agent's shell call lands in the sandbox, not on
 * the host: the refusal's fix is enough. One agent run each.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { agentClis } from './support/agentClis';
import { startAnthropicServer } from './support/anthropicServer';
import { startGeminiServer } from './support/geminiServer';
import { runSetup, suiteSandbox, uniqueName, type HookSandbox } from './support/hookSandbox';
import { NOTES, ORIGINAL_NOTES } from './support/hookTestBed';
import { startOpenAiResponsesServer } from './support/openaiResponsesServer';
import { codexModelConfig, makeAgentHome, runClaude, runCodexIn, type AgentRun } from './support/runAgent';
import { runGemini } from './support/runGemini';
import type { ModelServer, ScriptTurn } from './support/scriptedServer';
import { assertAbsentOnHost, assertFinished, describeRun } from './support/verdicts';

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Every file under `dir` with its content, to show the refused set-up wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    const st = fs.lstatSync(file);
    if (st.isFile()) out[name] = fs.readFileSync(file, 'utf8');
  }
  return out;
}

/** The set-up refuses, naming the file and the key, and nothing changes under `watched`. */
async function assertRefused(
  box: HookSandbox,
  args: string[],
  env: NodeJS.ProcessEnv,
  file: string,
  key: RegExp,
  watched: string[],
): Promise<void> {
  const was = watched.map(snapshot);
  const r = await box.run(['setup', ...args], env);
  assert.notEqual(r.code, 0, `the set-up went through despite ${file}: ${r.stdout}`);
  assert.ok(
    r.stderr.includes(file) && key.test(r.stderr) && /on this machine/.test(r.stderr),
    `the refusal does not name ${file} and the key: ${r.stderr}`,
  );
  assert.deepEqual(watched.map(snapshot), was, 'the refused set-up wrote something');
}

/** The shell call ran and its file is a pending change of the sandbox, not a file on the host. */
async function assertShellInSandbox(box: HookSandbox, file: string, run: AgentRun, model: ModelServer): Promise<void> {
  assertFinished(run);
  const results = model.toolResults();
  assert.equal(results.length, 1, describeRun(run, results));
  assert.match(results[0]!.text, /touched/, describeRun(run, results));
  assertAbsentOnHost(path.join(box.workspace, file), run);
  assert.ok(
    (await box.changes()).some((c) => c.path === file && c.kind === 'added'),
    `${file} is not a pending change. ${describeRun(run, results)}`,
  );
}

function shellScript(tool: string, input: (command: string) => Record<string, unknown>): { file: string; script: ScriptTurn[] } {
  const file = `${uniqueName('switch')}.txt`;
  return { file, script: [{ tool, input: input(`echo hi > ${file} && echo touched`) }, { text: 'Done.' }] };
}

describe('agent-sandbox setup refuses a setting that switches the hook off (real agents)', () => {
  const started = suiteSandbox({ [NOTES]: ORIGINAL_NOTES });

  it('Claude Code: "disableAllHooks": true in .claude/settings.json', async () => {
    const box = started();
    const shared = path.join(box.workspace, '.claude', 'settings.json');
    writeFile(shared, `${JSON.stringify({ disableAllHooks: true })}\n`);
    const home = makeAgentHome();
    try {
      await assertRefused(box, ['claude'], { HOME: home }, shared, /"disableAllHooks": true/, [box.workspace]);
      fs.rmSync(shared);
      await runSetup(box, ['claude'], { HOME: home });
      const s = shellScript('Bash', (command) => ({ command, description: 'Write a file' }));
      const model = await startAnthropicServer(s.script);
      try {
        const run = await runClaude({
          bin: agentClis().claude,
          home,
          workspace: box.workspace,
          modelUrl: model.url,
          env: box.env,
          timeoutMs: 120_000,
        });
        await assertShellInSandbox(box, s.file, run, model);
      } finally {
        await model.close();
      }
      await runSetup(box, ['claude', '--undo'], { HOME: home });
    } finally {
      fs.rmSync(path.join(box.workspace, '.claude'), { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('Gemini CLI: "hooksConfig": {"disabled": ["agent-sandbox"]} in .gemini/settings.json', async () => {
    const box = started();
    const settings = path.join(box.workspace, '.gemini', 'settings.json');
    const own = { hooksConfig: { disabled: ['agent-sandbox'] } };
    writeFile(settings, `${JSON.stringify(own)}\n`);
    const home = makeAgentHome();
    try {
      await assertRefused(box, ['gemini'], { HOME: home }, settings, /"agent-sandbox" in "hooksConfig.disabled"/, [box.workspace]);
      writeFile(settings, `${JSON.stringify({ hooksConfig: { disabled: [] } })}\n`);
      await runSetup(box, ['gemini'], { HOME: home });
      const s = shellScript('run_shell_command', (command) => ({ command, description: 'scripted step' }));
      const model = await startGeminiServer(s.script);
      try {
        const run = await runGemini({
          bin: agentClis().gemini,
          home,
          workspace: box.workspace,
          modelUrl: model.url,
          env: box.env,
          timeoutMs: 120_000,
        });
        await assertShellInSandbox(box, s.file, run, model);
      } finally {
        await model.close();
      }
    } finally {
      fs.rmSync(path.join(box.workspace, '.gemini'), { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('Codex: [features] codex_hooks = false in CODEX_HOME/config.toml', async () => {
    const box = started();
    const home = makeAgentHome();
    const codexHome = path.join(home, '.codex');
    const config = path.join(codexHome, 'config.toml');
    const s = shellScript('exec_command', (command) => ({ cmd: command }));
    const model = await startOpenAiResponsesServer(s.script);
    try {
      const own = codexModelConfig(model.url, codexHome);
      writeFile(config, `${own}\n[features]\ncodex_hooks = false\n`);
      await assertRefused(box, ['codex'], { CODEX_HOME: codexHome, HOME: home }, config, /codex_hooks = false/, [home, box.workspace]);
      writeFile(config, own);
      await runSetup(box, ['codex'], { CODEX_HOME: codexHome, HOME: home });
      const run = await runCodexIn(codexHome, {
        bin: agentClis().codex,
        home,
        workspace: box.workspace,
        modelUrl: model.url,
        env: box.env,
        hookTrust: 'from-config',
        timeoutMs: 120_000,
      });
      await assertShellInSandbox(box, s.file, run, model);
    } finally {
      await model.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
