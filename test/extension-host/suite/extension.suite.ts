// The extension's wiring, checked through the real `vscode` API in a desktop extension host:
// activation, every command, the terminal profile, the read-only content providers, the
// review panel, and a real sandbox run when a Docker engine is reachable.
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'agent-sandbox.agent-sandbox';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

export function registerExtensionSuite(): void {
  const workspace = process.env.AGENT_SANDBOX_EXTHOST_WORKSPACE!;
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[] };
  };

  suite('Agent Sandbox in the extension host', () => {
    suiteSetup(async () => {
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is not loaded`);
      await extension.activate();
    });

    test('every contributed command is registered', async () => {
      const registered = new Set(await vscode.commands.getCommands(true));
      for (const { command } of manifest.contributes.commands) assert.ok(registered.has(command), `${command} is not registered`);
    });

    test('Show Policy opens the effective policy, with the workspace setting applied', async () => {
      await vscode.commands.executeCommand('agentSandbox.showPolicy');
      const doc = await waitFor('the policy document', () => vscode.window.activeTextEditor?.document);
      assert.match(doc.getText(), /"baseImage": "agent-sandbox-base:bookworm"/);
      assert.match(doc.getText(), /set by VS Code settings/);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    test('a sandbox terminal opens from the palette command and from the profile', async () => {
      const before = vscode.window.terminals.length;
      await vscode.commands.executeCommand('agentSandbox.newTerminal');
      const terminal = await waitFor('the sandbox terminal', () =>
        vscode.window.terminals.slice(before).find((t) => t.name === 'Agent Sandbox'),
      );
      terminal.dispose();
    });

    test('the read-only content providers answer for both sides', async () => {
      const base = await vscode.workspace.openTextDocument(vscode.Uri.parse('agent-sandbox-base:/hello.txt'));
      const sandbox = await vscode.workspace.openTextDocument(vscode.Uri.parse('agent-sandbox:/hello.txt'));
      // Without a session there is nothing to show, but the schemes are served (not an error).
      assert.equal(typeof base.getText(), 'string');
      assert.equal(typeof sandbox.getText(), 'string');
    });

    test('Review Changes opens the review panel', async () => {
      await vscode.commands.executeCommand('agentSandbox.reviewChanges');
      await waitFor('the review panel tab', () =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('agentSandbox.review')),
      );
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    test('with a Docker engine: start, run a command that writes, the sandbox side shows it, the workspace does not', async function () {
      if (!existsSync('/var/run/docker.sock') && !process.env.DOCKER_HOST) this.skip();
      await vscode.commands.executeCommand('agentSandbox.start');
      await vscode.commands.executeCommand('agentSandbox.runCommand', 'echo made in the sandbox > made.txt');
      assert.ok(!existsSync(join(workspace, 'made.txt')), 'a sandboxed command must not write the workspace');
      const sandboxSide = await vscode.workspace.openTextDocument(vscode.Uri.parse('agent-sandbox:/made.txt'));
      assert.equal(sandboxSide.getText(), 'made in the sandbox\n');
      await vscode.commands.executeCommand('agentSandbox.stop');
    });
  });
}
