import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { inputJsonSchema, TOOL_DEFINITIONS } from '../../../src/core/tools/definitions';
import { resolvedManifest } from '../support/manifestStrings';

// Titles as VS Code shows them: the %key% placeholders resolved from package.nls.json.
const manifest = resolvedManifest as {
  contributes: {
    languageModelTools?: { name: string; toolReferenceName: string; modelDescription: string; inputSchema: unknown }[];
    mcpServerDefinitionProviders?: { id: string }[];
    commands: { command: string; title?: string; category?: string; enablement?: string }[];
  };
};

describe('package.json agent contributions', () => {
  it('declares every language model tool with the schema and description the code uses', () => {
    const declared = manifest.contributes.languageModelTools ?? [];
    assert.deepEqual(
      declared.map((t) => t.name),
      TOOL_DEFINITIONS.map((d) => d.lmName),
    );
    for (const def of TOOL_DEFINITIONS) {
      const tool = declared.find((t) => t.name === def.lmName)!;
      assert.equal(tool.modelDescription, def.description, def.name);
      assert.equal(tool.toolReferenceName, def.referenceName, def.name);
      assert.deepEqual(
        tool.inputSchema,
        inputJsonSchema(def),
        `${def.name}: regenerate the manifest's inputSchema from src/core/tools/definitions.ts`,
      );
    }
  });

  it('declares the MCP server provider and the agent commands the extension registers', () => {
    // The provider module imports vscode, so its id is read from the source.
    const source = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'extension', 'agents', 'mcpProvider.ts'), 'utf8');
    const id = /MCP_PROVIDER_ID = '([^']+)'/.exec(source)?.[1];
    assert.ok(id);
    assert.deepEqual(
      manifest.contributes.mcpServerDefinitionProviders?.map((p) => p.id),
      [id],
    );
    const commands = manifest.contributes.commands.map((c) => c.command);
    assert.ok(commands.includes('agentSandbox.writeHookConfiguration'));
    assert.ok(commands.includes('agentSandbox.runAgent'));
    assert.ok(commands.includes('agentSandbox.setUpAgent'));
    assert.ok(commands.includes('agentSandbox.removeAgentSetup'));
  });

  it('offers the commands that write agent configuration only in a trusted workspace', () => {
    // They write files that name a program agents run for every tool call.
    const byId = new Map(manifest.contributes.commands.map((c) => [c.command, c]));
    for (const id of ['agentSandbox.setUpAgent', 'agentSandbox.removeAgentSetup', 'agentSandbox.writeHookConfiguration']) {
      assert.equal(byId.get(id)?.enablement, 'isWorkspaceTrusted', id);
      assert.equal(byId.get(id)?.category, 'Agent Sandbox', id);
    }
    assert.equal(byId.get('agentSandbox.setUpAgent')?.title, 'Set Up Agent…');
    assert.equal(byId.get('agentSandbox.removeAgentSetup')?.title, 'Remove Agent Setup…');
  });
});
