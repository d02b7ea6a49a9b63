/**
 * Codex's hook trust, with the real Codex and WITHOUT `--dangerously-bypass-hook-trust`: Codex
 * runs a hook from config.toml only when config.toml records it as trusted (a hash of the
 * hook kept under `[hooks.state]`), and skips an untrusted or changed hook without a word.
 *
 * After `agent-sandbox setup codex`, whose block holds that record for its own hook, a
 * scripted shell call must run in the sandbox (a pending change, nothing on the host). Then
 * the hook's line is changed by hand, so the record no longer matches: what Codex does then is
 * measured and asserted here, so that a Codex update that changes it is noticed, and the
 * set-up's note says the same. Codex 0.171.0 skips the hook and the command runs on the host.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { agentClis } from './support/agentClis';
import { startHookSandbox, uniqueName, type HookSandbox } from './support/hookSandbox';
import { startOpenAiResponsesServer } from './support/openaiResponsesServer';
import { provesRoute } from './support/routes';
import { codexModelConfig, makeAgentHome, runCodexIn, type AgentRun } from './support/runAgent';
import type { ModelServer } from './support/scriptedServer';
import { assertAbsentOnHost, assertFinished, describeRun } from './support/verdicts';

/** Runs Codex as a person would (trust read from config.toml) with one scripted shell call that writes `file`. */
async function shellWrite(box: HookSandbox, home: string, codexHome: string, file: string): Promise<{ run: AgentRun; model: ModelServer }> {
  const model = await startOpenAiResponsesServer([
    { tool: 'exec_command', input: { cmd: `echo hi > ${file} && echo touched` } },
    { text: 'Done.' },
  ]);
  const config = path.join(codexHome, 'config.toml');
  const before = fs.readFileSync(config, 'utf8');
  fs.writeFileSync(config, withModel(before, model.url, codexHome));
  try {
    const run = await runCodexIn(codexHome, {
      bin: agentClis().codex,
      home,
      workspace: box.workspace,
      modelUrl: model.url,
      env: box.env,
      hookTrust: 'from-config',
      timeoutMs: 120_000,
    });
    return { run, model };
  } finally {
    fs.writeFileSync(config, before);
    await model.close();
  }
}

/** The model URL changes per run; the person's part of config.toml is rewritten with it, the block is kept. */
function withModel(config: string, modelUrl: string, codexHome: string): string {
  const begin = config.indexOf('# BEGIN agent-sandbox');
  assert.ok(begin >= 0, `no set-up block in config.toml:\n${config}`);
  return `${codexModelConfig(modelUrl, codexHome)}\n${config.slice(begin)}`;
}

describe('Codex hook trust with the real Codex (no --dangerously-bypass-hook-trust)', () => {
  let sandbox: HookSandbox | undefined;
  let home: string | undefined;
  const started = (): { box: HookSandbox; home: string; codexHome: string; config: string } => {
    assert.ok(sandbox && home, 'the sandbox is not started');
    const codexHome = path.join(home, '.codex');
    return { box: sandbox, home, codexHome, config: path.join(codexHome, 'config.toml') };
  };
  before(async () => {
    sandbox = await startHookSandbox();
    home = makeAgentHome();
  });
  after(async () => {
    if (home) fs.rmSync(home, { recursive: true, force: true });
    await sandbox?.dispose();
  });

  provesRoute(
    'codex',
    'setup',
    'after `setup codex` Codex runs the hook without anyone trusting it in /hooks: the shell call runs in the sandbox',
    async () => {
      const { box, home, codexHome, config } = started();
      // The person's own configuration; the model URL is filled in per run below.
      fs.mkdirSync(codexHome, { recursive: true });
      fs.writeFileSync(config, codexModelConfig('http://127.0.0.1:9', codexHome));
      const setup = await box.run(['setup', 'codex'], { CODEX_HOME: codexHome });
      assert.equal(setup.code, 0, setup.stderr);
      assert.match(
        setup.stdout,
        /\+\[hooks\.state\."[^"]+config\.toml:pre_tool_use:0:0"\]\n\+trusted_hash = "sha256:[0-9a-f]{64}"/,
        `the diff does not show the trust record:\n${setup.stdout}`,
      );

      const file = `${uniqueName('trusted-hook')}.txt`;
      const { run, model } = await shellWrite(box, home, codexHome, file);
      assertFinished(run);
      const results = model.toolResults();
      assert.equal(results.length, 1, describeRun(run, results));
      assertAbsentOnHost(path.join(box.workspace, file), run);
      assert.match(results[0]!.text, /touched/, describeRun(run, results));
      assert.ok(
        (await box.changes()).some((c) => c.path === file && c.kind === 'added'),
        `${file} is not a pending change: ${describeRun(run, results)}`,
      );
    },
  );

  it("a hook line changed by hand no longer matches the record: Codex skips the hook and the command runs on the host, as the set-up's note says", async () => {
    const { box, home, codexHome, config } = started();
    const note = await box.run(['setup', 'codex', '--dry-run'], { CODEX_HOME: codexHome });
    assert.match(note.stderr, /changed by hand.*skips the hook without a word: shell commands then run on this machine/);

    const ours = fs.readFileSync(config, 'utf8');
    // Still a working hook line (one more space before `exit`), only no longer the trusted one.
    const changed = ours.replace('|| exit 2"', '||  exit 2"');
    assert.notEqual(changed, ours, `the hook line was not found:\n${ours}`);
    const file = `${uniqueName('changed-hook')}.txt`;
    const hostFile = path.join(box.workspace, file);
    fs.writeFileSync(config, changed);
    try {
      const { run, model } = await shellWrite(box, home, codexHome, file);
      assertFinished(run);
      const results = model.toolResults();
      assert.equal(results.length, 1, describeRun(run, results));
      assert.ok(
        fs.existsSync(hostFile),
        `Codex no longer runs the command on the host when the hook is untrusted; update the set-up's note: ${describeRun(run, results)}`,
      );
      assert.ok(!(await box.changes()).some((c) => c.path === file), `the command also ran in the sandbox: ${describeRun(run, results)}`);
    } finally {
      fs.rmSync(hostFile, { force: true });
      fs.writeFileSync(config, ours);
    }
  });
});
