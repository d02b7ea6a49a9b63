/**
 * The BeforeTool hook with the real Gemini CLI (`gemini -p`): it reads the workspace's
 * `.gemini/settings.json` (written by the product's own writer), hands every tool call to
 * `agent-sandbox hook gemini` and reads Gemini's own answer format (`decision`,
 * `hookSpecificOutput.tool_input`). It runs a call when its hook times out, prints nothing
 * (whatever the exit code) or exits 1, so every failure of the hook must still print a deny.
 * A refused call comes back to the model as an error response, "Tool execution blocked: …".
 *
 * Its read_file is pointed at a private copy of the file from the sandbox, inside Gemini's
 * project temp folder (the only folder outside the workspace it reads); its searches and
 * listings are refused with the run_shell_command route.
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
    assert.equal(
      fs.readFileSync(notes, 'utf8'),
      ORIGINAL_NOTES,
      `notes.md was edited on the host. ${describeRun(run, model.toolResults())}`,
    );
    bed.assertRefused(model, run, 2);
    for (const r of model.toolResults()) assert.match(r.text, /mcp_agent-sandbox_write_file/, describeRun(run, model.toolResults()));
  });

  // save_memory (it writes the person's home) is refused too, but Gemini CLI 0.61 does not offer it.
  provesRoute('gemini', 'hostRun', 'refuses invoke_agent, whose subagent may run tools this hook never sees', async () => {
    const canary = uniqueName('subagent-canary');
    const { run, model } = await bed.agentRun([
      { tool: 'invoke_agent', input: { agent_name: 'generalist', prompt: `Run the shell command: touch ${canary}` } },
      { text: 'Done.' },
    ]);
    assert.ok(model.offeredTools().includes('invoke_agent'), `invoke_agent is not offered: ${model.offeredTools().join(', ')}`);
    assertAbsentOnHost(path.join(bed.sandbox.workspace, canary), run);
    bed.assertRefused(model, run);
    assert.match(model.toolResults()[0]!.text, /subagent/, describeRun(run, model.toolResults()));
  });

  // read_many_files is refused too, but Gemini CLI 0.61 does not offer it in headless mode.
  provesRoute(
    'gemini',
    'read',
    'refuses its searches and listings of the workspace, which would read the real tree instead of the copy, naming run_shell_command',
    async () => {
      const { run, model } = await bed.agentRun([
        { tool: 'glob', input: { pattern: '*.md' } },
        { tool: 'grep_search', input: { pattern: 'original' } },
        { tool: 'list_directory', input: { dir_path: '.' } },
        { text: 'Done.' },
      ]);
      const results = model.toolResults();
      bed.assertRefused(model, run, 3);
      for (const r of results) {
        assert.match(r.text, /run_shell_command/, describeRun(run, results));
        assert.doesNotMatch(r.text, /original notes/, `the real workspace's content came back. ${describeRun(run, results)}`);
      }
    },
  );

  provesRoute(
    'gemini',
    'read',
    'read_file shows the sandbox copy: a file written through run_shell_command reads back, notes.md shows the sandboxed change, the host keeps the original',
    async () => {
      const notes = path.join(bed.sandbox.workspace, NOTES);
      const created = uniqueName('shell-created');
      const createdMarker = uniqueName('created-content');
      const marker = uniqueName('sandbox-write');
      const { run, model } = await bed.agentRun([
        geminiCli.shell(`echo ${createdMarker} > ${created} && echo ${marker} > ${NOTES} && echo written`),
        { tool: 'read_file', input: { file_path: created } },
        { tool: 'read_file', input: { file_path: path.join(bed.sandbox.workspace, NOTES) } },
        { tool: 'read_file', input: { file_path: uniqueName('never-written') } },
        { text: 'Done.' },
      ]);
      const results = model.toolResults();
      assert.equal(results.length, 4, describeRun(run, results));
      assert.match(results[0]!.text, /written/, describeRun(run, results));
      assert.equal(results[1]!.isError, false, `read_file of the shell's new file failed. ${describeRun(run, results)}`);
      assert.match(
        results[1]!.text,
        new RegExp(createdMarker),
        `read_file did not show the agent's own new file. ${describeRun(run, results)}`,
      );
      assert.equal(results[2]!.isError, false, `read_file of notes.md failed. ${describeRun(run, results)}`);
      assert.match(results[2]!.text, new RegExp(marker), `read_file did not show the sandboxed change. ${describeRun(run, results)}`);
      assert.doesNotMatch(results[2]!.text, /original notes/, `read_file showed the real tree. ${describeRun(run, results)}`);
      // A file the copy does not have is refused with the reason, not read from the host.
      assert.ok(geminiCli.isRefusal(results[3]!), `read_file of a missing file was not refused. ${describeRun(run, results)}`);
      assert.match(results[3]!.text, /does not exist in the sandbox copy/, describeRun(run, results));
      assertAbsentOnHost(path.join(bed.sandbox.workspace, created), run);
      assert.equal(fs.readFileSync(notes, 'utf8'), ORIGINAL_NOTES, 'notes.md changed on the host');
      const changes = await bed.sandbox.changes();
      assert.ok(
        changes.some((c) => c.path === NOTES && c.kind === 'modified'),
        'notes.md is not a pending change',
      );
      assert.ok(
        changes.some((c) => c.path === created && c.kind === 'added'),
        `${created} is not a pending change`,
      );
    },
  );

  provesRoute(
    'gemini',
    ['mcp', 'read'],
    'uses the agent-sandbox MCP server: its write, run and read tools act on the copy, and the read shows the write',
    async () => {
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
      for (const t of ['write_file', 'run_command', 'read_file'])
        assert.ok(offered.includes(`mcp_${MCP_SERVER}_${t}`), `mcp_${MCP_SERVER}_${t} is not offered: ${offered.join(', ')}`);
      assert.equal(results.length, 3, describeRun(run, results));
      for (const r of results) assert.equal(r.isError, false, describeRun(run, results));
      assert.match(results[1]!.text, new RegExp(marker), describeRun(run, results));
      assert.match(results[2]!.text, new RegExp(marker), describeRun(run, results));
      assertAbsentOnHost(path.join(bed.sandbox.workspace, file), run);
      assertAbsentOnHost(path.join(bed.sandbox.workspace, `${file}.ran`), run);
      const changes = await bed.sandbox.changes();
      for (const p of [file, `${file}.ran`])
        assert.ok(
          changes.some((c) => c.path === p && c.kind === 'added'),
          `${p} is not a pending change: ${JSON.stringify(changes)}`,
        );
    },
  );
});
