/**
 * The BeforeTool hook with the real Gemini CLI (`gemini -p`): it reads the workspace's
 * `.gemini/settings.json` (written by the product's own writer), hands every tool call to
 * `agent-sandbox hook gemini` and reads Gemini's own answer format (`decision`,
 * `hookSpecificOutput.tool_input`). It runs a call when its hook times out, prints nothing
 * (whatever the exit code) or exits 1, so every failure of the hook must still print a deny.
 * A refused call comes back to the model as an error response, "Tool execution blocked: …".
 *
 * Its read tools read the real workspace, not the sandbox copy, so they are refused; the
 * coherent-world test proves that what the refusal names (run_shell_command, the
 * agent-sandbox MCP server's read_file) reads back the agent's own write.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe } from 'node:test';
import { agentClis } from './support/agentClis';
import { startGeminiServer } from './support/geminiServer';
import { sharedHookScenarios } from './support/hookScenarios';
import { uniqueName } from './support/hookSandbox';
import { hookTestBed, NOTES, ORIGINAL_NOTES, type AgentUnderTest } from './support/hookTestBed';
import { provesRoute } from './support/routes';
import { runGemini, writeGeminiSettings, type GeminiMcpServer } from './support/runGemini';
import { assertAbsentOnHost, describeRun, REFUSAL } from './support/verdicts';

/** Whether the run's settings also start the agent-sandbox MCP server. */
interface GeminiOptions {
  readonly mcp?: boolean;
}

const MCP_SERVER = 'agent-sandbox';

const geminiCli: AgentUnderTest<GeminiOptions> = {
  id: 'gemini',
  bin: () => agentClis().gemini,
  shellTool: 'run_shell_command',
  shell: (command) => ({ tool: 'run_shell_command', input: { command, description: 'scripted step' } }),
  startModel: startGeminiServer,
  configure(workspace, cli, options) {
    const servers: Record<string, GeminiMcpServer> = {};
    // The server inherits the agent's environment, and with it the sandbox's state folder.
    if (options?.mcp) servers[MCP_SERVER] = { command: cli[0]!, args: [...cli.slice(1), '--workspace', workspace, 'mcp'] };
    writeGeminiSettings(workspace, cli, servers);
    return runGemini;
  },
  isRefusal: (r) => r.isError === true && /Tool execution blocked/.test(r.text) && REFUSAL.test(r.text),
};

describe('Gemini CLI with the agent-sandbox hook', () => {
  const bed = hookTestBed(geminiCli);
  sharedHookScenarios(bed);

  provesRoute('gemini', 'edit', 'refuses write_file and replace of a host file, which stays as it was', async () => {
    const notes = path.join(bed.sandbox.workspace, NOTES);
    const created = uniqueName('created-canary');
    const { run, model } = await bed.agentRun([
      { tool: 'write_file', input: { file_path: created, content: 'created on the host\n' } },
      { tool: 'replace', input: { file_path: notes, old_string: 'original notes', new_string: 'edited on the host', instruction: 'edit' } },
      { text: 'Done.' },
    ]);
    assertAbsentOnHost(path.join(bed.sandbox.workspace, created), run);
    assert.equal(fs.readFileSync(notes, 'utf8'), ORIGINAL_NOTES, `notes.md was edited on the host. ${describeRun(run, model.toolResults())}`);
    bed.assertRefused(model, run, 2);
    for (const r of model.toolResults()) assert.match(r.text, /mcp_agent-sandbox_write_file/, describeRun(run, model.toolResults()));
  });

  // save_memory (it writes the person's home) is refused too, but Gemini CLI 0.61 does not offer it.
  provesRoute('gemini', 'hostRun', 'refuses invoke_agent, whose subagent may run tools this hook never sees', async () => {
    const canary = uniqueName('subagent-canary');
    const { run, model } = await bed.agentRun([{ tool: 'invoke_agent', input: { agent_name: 'generalist', prompt: `Run the shell command: touch ${canary}` } }, { text: 'Done.' }]);
    assert.ok(model.offeredTools().includes('invoke_agent'), `invoke_agent is not offered: ${model.offeredTools().join(', ')}`);
    assertAbsentOnHost(path.join(bed.sandbox.workspace, canary), run);
    bed.assertRefused(model, run);
    assert.match(model.toolResults()[0]!.text, /subagent/, describeRun(run, model.toolResults()));
  });

  // read_many_files is refused too, but Gemini CLI 0.61 does not offer it in headless mode.
  provesRoute('gemini', 'read', 'refuses its read tools, which would read the real workspace instead of the copy, naming what reads the copy', async () => {
    const { run, model } = await bed.agentRun([
      { tool: 'read_file', input: { file_path: NOTES } },
      { tool: 'glob', input: { pattern: '*.md' } },
      { tool: 'grep_search', input: { pattern: 'original' } },
      { tool: 'list_directory', input: { dir_path: '.' } },
      { text: 'Done.' },
    ]);
    const results = model.toolResults();
    bed.assertRefused(model, run, 4);
    for (const r of results) {
      assert.match(r.text, /run_shell_command/, describeRun(run, results));
      assert.match(r.text, /mcp_agent-sandbox_read_file/, describeRun(run, results));
      assert.doesNotMatch(r.text, /original notes/, `the real workspace's content came back. ${describeRun(run, results)}`);
    }
  });

  provesRoute('gemini', 'read', 'reads back its own write through the sandbox: run_shell_command after a sandboxed write shows the copy, the host keeps the original', async () => {
    const notes = path.join(bed.sandbox.workspace, NOTES);
    const marker = uniqueName('sandbox-write');
    const { run, model } = await bed.agentRun([
      geminiCli.shell(`echo ${marker} > ${NOTES} && echo written`),
      { tool: 'read_file', input: { file_path: NOTES } },
      geminiCli.shell(`cat ${NOTES}`),
      { text: 'Done.' },
    ]);
    const results = model.toolResults();
    assert.equal(results.length, 3, describeRun(run, results));
    assert.match(results[0]!.text, /written/, describeRun(run, results));
    assert.ok(geminiCli.isRefusal(results[1]!), `read_file was not refused. ${describeRun(run, results)}`);
    assert.match(results[1]!.text, /run_shell_command/, describeRun(run, results));
    assert.match(results[2]!.text, new RegExp(marker), `the read-back did not show the agent's own write. ${describeRun(run, results)}`);
    assert.equal(fs.readFileSync(notes, 'utf8'), ORIGINAL_NOTES, 'notes.md changed on the host');
    assert.ok((await bed.sandbox.changes()).some((c) => c.path === NOTES && c.kind === 'modified'), 'notes.md is not a pending change');
  });

  provesRoute('gemini', ['mcp', 'read'], 'uses the agent-sandbox MCP server: its write, run and read tools act on the copy, and the read shows the write', async () => {
    const file = uniqueName('mcp-written');
    const marker = uniqueName('mcp-content');
    const { run, model } = await bed.agentRun(
      [
        { tool: `mcp_${MCP_SERVER}_write_file`, input: { path: file, content: `${marker}\n` } },
        { tool: `mcp_${MCP_SERVER}_run_command`, input: { command: `cat ${file} && echo ran-in-sandbox > ${file}.ran` } },
        { tool: `mcp_${MCP_SERVER}_read_file`, input: { path: file } },
        { text: 'Done.' },
      ],
      { agentOptions: { mcp: true }, timeoutMs: 180_000 },
    );
    const results = model.toolResults();
    const offered = model.offeredTools();
    for (const t of ['write_file', 'run_command', 'read_file']) assert.ok(offered.includes(`mcp_${MCP_SERVER}_${t}`), `mcp_${MCP_SERVER}_${t} is not offered: ${offered.join(', ')}`);
    assert.equal(results.length, 3, describeRun(run, results));
    for (const r of results) assert.equal(r.isError, false, describeRun(run, results));
    assert.match(results[1]!.text, new RegExp(marker), describeRun(run, results));
    assert.match(results[2]!.text, new RegExp(marker), describeRun(run, results));
    assertAbsentOnHost(path.join(bed.sandbox.workspace, file), run);
    assertAbsentOnHost(path.join(bed.sandbox.workspace, `${file}.ran`), run);
    const changes = await bed.sandbox.changes();
    for (const p of [file, `${file}.ran`]) assert.ok(changes.some((c) => c.path === p && c.kind === 'added'), `${p} is not a pending change: ${JSON.stringify(changes)}`);
  });
});
