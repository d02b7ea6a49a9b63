/**
 * `agent-sandbox setup` proven with the real agents: the product writes an agent's own files
 * (hook and MCP server) into a fresh workspace, or a fresh CODEX_HOME, that already holds a
 * setting of the person's; a scripted model then calls the agent-sandbox MCP server's
 * write_file tool and the agent's own shell tool. Both files must land in the sandbox copy
 * (read back through the session: the pending changes and their diff) and nowhere in the real
 * tree. Then `setup --undo` must give the agent's files back byte for byte, and delete the
 * files the set-up created.
 *
 * Gemini CLI reads the workspace's .gemini/settings.json only in a trusted folder; the run
 * trusts it (GEMINI_CLI_TRUST_WORKSPACE), as the set-up's note tells a person to.
 *
 * Codex runs here with its own sandbox off, as the set-up's note tells a person to arrange
 * (by flag here, through sandbox_mode in real use), and with hook trust read from config.toml
 * as for a person: the set-up's block holds Codex's trust record for its hook (what happens
 * when that record no longer matches is in codex-trust.test.ts). A last test
 * shows the note on Codex's sandbox is needed and enough: under workspace-write the command the
 * hook hands back cannot reach the container engine (and nothing runs anywhere), under
 * danger-full-access it runs in the sandbox.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { agentClis } from './support/agentClis';
import { startAnthropicServer } from './support/anthropicServer';
import { runSetup, suiteSandbox, uniqueName, type HookSandbox } from './support/hookSandbox';
import { NOTES, ORIGINAL_NOTES } from './support/hookTestBed';
import { startOpenAiResponsesServer } from './support/openaiResponsesServer';
import { provesRoute } from './support/routes';
import { codexModelConfig, makeAgentHome, runClaude, runCodexIn, type AgentRun } from './support/runAgent';
import { startGeminiServer } from './support/geminiServer';
import { runGemini } from './support/runGemini';
import type { ModelServer, ScriptTurn } from './support/scriptedServer';
import { assertAbsentOnHost, assertFinished, describeRun } from './support/verdicts';

const MCP_CONTENT = 'written through the MCP server\n';
const SHELL_CONTENT = 'written by the shell tool\n';
/** Codex offers each MCP server's tools as one namespace (the server's name with `_`), called as NAMESPACE/NAME. */
const CODEX_MCP_NAMESPACE = 'mcp__agent_sandbox';
/**
 * Claude Code by default connects MCP servers while the first request is already out and
 * defers their tools behind its tool search; a scripted model that calls the tool at once
 * needs both off, so that the tool is in the first request's list (which the test checks).
 */
const CLAUDE_MCP_UP_FRONT = { MCP_CONNECTION_NONBLOCKING: 'false', ENABLE_TOOL_SEARCH: 'false' };

interface Proof {
  readonly mcpFile: string;
  readonly shellFile: string;
  /** The model's script: the MCP write, then the shell write. */
  readonly script: ScriptTurn[];
}

function proof(mcpTool: string, shell: (command: string) => ScriptTurn): Proof {
  const mcpFile = `${uniqueName('from-mcp')}.txt`;
  const shellFile = `${uniqueName('from-shell')}.txt`;
  return {
    mcpFile,
    shellFile,
    script: [
      { tool: mcpTool, input: { path: mcpFile, content: MCP_CONTENT } },
      shell(`printf '${SHELL_CONTENT.trim()}\\n' > ${shellFile} && echo touched`),
      { text: 'Done.' },
    ],
  };
}

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Both calls worked, and both files are in the sandbox copy with their content, not on the host. */
async function assertLandedInSandbox(
  sandbox: HookSandbox,
  p: Proof,
  run: AgentRun,
  model: ModelServer,
  offeredMcp: string,
  shellTool: string,
): Promise<void> {
  const offered = model.offeredTools();
  assert.ok(
    offered.includes(offeredMcp) && offered.includes(shellTool),
    `the agent did not offer ${offeredMcp} and ${shellTool}: ${offered.join(', ')}. ${describeRun(run, [])}`,
  );
  const results = model.toolResults();
  assert.equal(results.length, 2, describeRun(run, results));
  for (const r of results) assert.equal(r.isError ?? false, false, describeRun(run, results));
  assert.match(results[1]!.text, /touched/, describeRun(run, results));
  for (const [file, content] of [
    [p.mcpFile, MCP_CONTENT],
    [p.shellFile, SHELL_CONTENT],
  ] as const) {
    assertAbsentOnHost(path.join(sandbox.workspace, file), run);
    const changes = await sandbox.changes();
    assert.ok(
      changes.some((c) => c.path === file && c.kind === 'added'),
      `${file} is not a pending change: ${JSON.stringify(changes)}. ${describeRun(run, results)}`,
    );
    const diff = await sandbox.run(['diff', file]);
    assert.equal(diff.code, 0, diff.stderr);
    assert.ok(diff.stdout.includes(`+${content.trim()}`), `the copy's ${file} does not hold what was written: ${diff.stdout}`);
  }
  assert.equal(fs.readFileSync(path.join(sandbox.workspace, NOTES), 'utf8'), ORIGINAL_NOTES);
}

describe('agent-sandbox setup with the real agents', () => {
  const started = suiteSandbox({ [NOTES]: ORIGINAL_NOTES });

  provesRoute(
    'claude',
    ['mcp', 'setup'],
    'Claude Code: the set-up routes its MCP writes and its shell into the sandbox, and undo restores its files',
    async () => {
      const box = started();
      const settingsFile = path.join(box.workspace, '.claude', 'settings.local.json');
      const mcpFile = path.join(box.workspace, '.mcp.json');
      const own = `${JSON.stringify({ env: { PERSONAL_SETTING: 'kept' } }, null, 2)}\n`;
      writeFile(settingsFile, own);
      const diff = await runSetup(box, ['claude']);
      assert.match(diff, /\+\s+"command": "\/bin\/sh \S+\/bin\/agent-sandbox hook claude \|\| exit 2"/);

      const mcpTool = 'mcp__agent-sandbox__write_file';
      const p = proof(mcpTool, (command) => ({ tool: 'Bash', input: { command, description: 'Write a file' } }));
      const model = await startAnthropicServer(p.script);
      const home = makeAgentHome();
      let run: AgentRun;
      try {
        run = await runClaude({
          bin: agentClis().claude,
          home,
          workspace: box.workspace,
          modelUrl: model.url,
          env: { ...box.env, ...CLAUDE_MCP_UP_FRONT },
          timeoutMs: 120_000,
        });
      } finally {
        await model.close();
        fs.rmSync(home, { recursive: true, force: true });
      }
      assertFinished(run);
      await assertLandedInSandbox(box, p, run, model, mcpTool, 'Bash');

      await runSetup(box, ['claude', '--undo']);
      assert.equal(fs.readFileSync(settingsFile, 'utf8'), own, "the person's settings are back byte for byte");
      assert.equal(fs.existsSync(mcpFile), false, 'the .mcp.json the set-up created is gone');
    },
  );

  provesRoute(
    'codex',
    ['mcp', 'setup'],
    'Codex: the set-up in CODEX_HOME/config.toml routes its MCP writes and its shell into the sandbox, and undo restores the file',
    async () => {
      const box = started();
      const p = proof(`${CODEX_MCP_NAMESPACE}/write_file`, (command) => ({ tool: 'exec_command', input: { cmd: command } }));
      const model = await startOpenAiResponsesServer(p.script);
      const home = makeAgentHome();
      const codexHome = path.join(home, '.codex');
      const config = path.join(codexHome, 'config.toml');
      let run: AgentRun;
      try {
        // The person's own Codex configuration: the model provider.
        const own = codexModelConfig(model.url, codexHome);
        writeFile(config, own);
        const diff = await runSetup(box, ['codex'], { CODEX_HOME: codexHome });
        assert.match(diff, /\+\[mcp_servers\.agent-sandbox\]/);
        assert.equal(fs.existsSync(path.join(codexHome, 'hooks.json')), false, 'the hook must come from config.toml alone');
        run = await runCodexIn(codexHome, {
          bin: agentClis().codex,
          home,
          workspace: box.workspace,
          modelUrl: model.url,
          env: box.env,
          hookTrust: 'from-config',
          timeoutMs: 120_000,
        });
        assertFinished(run);
        await assertLandedInSandbox(box, p, run, model, CODEX_MCP_NAMESPACE, 'exec_command');

        await runSetup(box, ['codex', '--undo'], { CODEX_HOME: codexHome });
        assert.equal(fs.readFileSync(config, 'utf8'), own, 'config.toml is back byte for byte');
      } finally {
        await model.close();
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
  );

  provesRoute(
    'gemini',
    ['mcp', 'setup'],
    'Gemini CLI: the set-up in .gemini/settings.json routes its MCP writes and its shell into the sandbox, and undo restores the file',
    async () => {
      const box = started();
      const settingsFile = path.join(box.workspace, '.gemini', 'settings.json');
      const own = `${JSON.stringify({ ui: { hideTips: true } }, null, 2)}\n`;
      writeFile(settingsFile, own);
      const diff = await runSetup(box, ['gemini']);
      assert.match(diff, /\+\s+"command": "\/bin\/sh \S+\/bin\/agent-sandbox hook gemini/);
      assert.match(diff, /\+\s+"agent-sandbox": \{/);

      const mcpTool = 'mcp_agent-sandbox_write_file';
      const p = proof(mcpTool, (command) => ({ tool: 'run_shell_command', input: { command, description: 'Write a file' } }));
      const model = await startGeminiServer(p.script);
      const home = makeAgentHome();
      let run: AgentRun;
      try {
        run = await runGemini({
          bin: agentClis().gemini,
          home,
          workspace: box.workspace,
          modelUrl: model.url,
          env: box.env,
          timeoutMs: 180_000,
        });
      } finally {
        await model.close();
        fs.rmSync(home, { recursive: true, force: true });
      }
      assertFinished(run);
      await assertLandedInSandbox(box, p, run, model, mcpTool, 'run_shell_command');

      await runSetup(box, ['gemini', '--undo']);
      assert.equal(fs.readFileSync(settingsFile, 'utf8'), own, "the person's .gemini/settings.json is back byte for byte");
    },
  );

  it("Codex: the set-up's note on Codex's own sandbox is right: under workspace-write the handed-back command cannot reach the engine and nothing runs; under danger-full-access it runs in the sandbox", async () => {
    const box = started();
    const home = makeAgentHome();
    const codexHome = path.join(home, '.codex');
    try {
      const note = await box.run(['setup', 'codex', '--dry-run'], { CODEX_HOME: codexHome });
      assert.match(note.stderr, /--sandbox danger-full-access/);
      for (const mode of ['workspace-write', 'danger-full-access'] as const) {
        const file = `${uniqueName(`codex-${mode}`)}.txt`;
        const model = await startOpenAiResponsesServer([
          { tool: 'exec_command', input: { cmd: `echo hi > ${file} && echo touched` } },
          { text: 'Done.' },
        ]);
        try {
          writeFile(path.join(codexHome, 'config.toml'), codexModelConfig(model.url, codexHome));
          await runSetup(box, ['codex'], { CODEX_HOME: codexHome });
          const run = await runCodexIn(codexHome, {
            bin: agentClis().codex,
            home,
            workspace: box.workspace,
            modelUrl: model.url,
            env: box.env,
            sandboxMode: mode,
            hookTrust: 'from-config',
            timeoutMs: 120_000,
          });
          assertFinished(run);
          assertAbsentOnHost(path.join(box.workspace, file), run);
          const results = model.toolResults();
          assert.equal(results.length, 1, describeRun(run, results));
          const inSandbox = (await box.changes()).some((c) => c.path === file);
          if (mode === 'workspace-write') {
            assert.ok(
              !inSandbox && !/touched/.test(results[0]!.text) && /not reachable|EPERM|EACCES/.test(results[0]!.text),
              `expected the handed-back command to fail: ${describeRun(run, results)}`,
            );
          } else {
            assert.ok(
              inSandbox && /touched/.test(results[0]!.text),
              `expected the command to run in the sandbox: ${describeRun(run, results)}`,
            );
          }
        } finally {
          await model.close();
        }
      }
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
