// Activation starts each part on its own, so one that fails leaves the others on. The agent
// entry points (language model tools, the MCP server provider, the hook launcher, the agent
// commands) and the sandbox terminals reach the sandbox only through the controller: when
// the controller fails to start, not one of them may be registered, or an agent's call
// could end up somewhere other than a refusal.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFakeVscode, fakeExtensionContext, installFakeVscode } from '../support/fakeVscode';

const root = join(__dirname, '..', '..', '..');

test('when the controller fails to start, no agent entry point, terminal or command is registered', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'agent-sandbox-activation-'));
  const previousStateDir = process.env.AGENT_SANDBOX_STATE_DIR;
  process.env.AGENT_SANDBOX_STATE_DIR = stateDir;
  const fake = createFakeVscode();
  const registered: string[] = [];
  const lm = fake.module.lm as Record<string, unknown>;
  lm.registerTool = (name: string) => (registered.push(`tool ${name}`), { dispose: () => undefined });
  lm.registerMcpServerDefinitionProvider = (id: string) => (registered.push(`mcp ${id}`), { dispose: () => undefined });
  const window = fake.module.window as Record<string, unknown>;
  window.registerTerminalProfileProvider = (id: string) => (registered.push(`terminal ${id}`), { dispose: () => undefined });
  // The controller's constructor is the first to subscribe to workspace trust: make it fail there.
  const workspace = fake.module.workspace as Record<string, unknown>;
  workspace.onDidGrantWorkspaceTrust = () => {
    throw new Error('the controller cannot start in this test');
  };
  const restore = installFakeVscode(fake.module);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the stand-in is in place
    const main = require('../../../src/extension/main') as typeof import('../../../src/extension/main');
    const context = fakeExtensionContext(root);
    main.activate(context as unknown as Parameters<typeof main.activate>[0]);

    assert.deepEqual(registered, [], 'an entry point was registered without the controller');
    assert.deepEqual(fake.recorded.commands, [], 'a command was registered without the controller');
    assert.deepEqual(readdirSync(stateDir), [], 'the hook launcher was written without the controller');
    assert.equal(fake.recorded.notifications.length, 1, JSON.stringify(fake.recorded.notifications));
    const [shown] = fake.recorded.notifications;
    assert.equal(shown!.level, 'error');
    assert.match(shown!.message, /the sandbox controller did not start/);
    assert.match(shown!.message, /the language model tools/);
    assert.match(shown!.message, /the MCP server provider/);
    assert.match(shown!.message, /the agent-sandbox launcher for hooks/);
    assert.match(shown!.message, /the agent commands/);
    assert.match(shown!.message, /the sandbox terminals/);
    await main.deactivate();
    for (const d of context.subscriptions) d.dispose();
  } finally {
    restore();
    if (previousStateDir === undefined) delete process.env.AGENT_SANDBOX_STATE_DIR;
    else process.env.AGENT_SANDBOX_STATE_DIR = previousStateDir;
    rmSync(stateDir, { recursive: true, force: true });
  }
});
