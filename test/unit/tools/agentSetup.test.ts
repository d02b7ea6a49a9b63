/**
 * Setting an agent up plans every file edit (hook and MCP server) as before/after, merges
 * with what the person has, changes nothing on a second run, refuses a file it cannot read
 * without writing it, and undo removes exactly what the set-up added: a file that was the
 * person's comes back byte for byte, a file the set-up created goes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  applySetupPlan,
  BLOCK_BEGIN,
  codexHome,
  planAgentSetup,
  planDiff,
  SetupFileError,
  StalePlanError,
  type SetupAgent,
  type SetupContext,
} from '../../../src/core/tools/agentSetup';
import { codexPreToolUseHookHash } from '../../../src/core/tools/agentSetup/codexHookTrust';
import { BLOCK_END, scanToml } from '../../../src/core/tools/agentSetup/codexToml';
import { hookCommandLine } from '../../../src/core/tools/hookConfig';

const LAUNCHER = '/home/someone/.local/state/agent-sandbox/bin/agent-sandbox';
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-setup-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));
let counter = 0;

function freshContext(): SetupContext {
  const dir = path.join(base, String(counter++));
  fs.mkdirSync(path.join(dir, 'ws'), { recursive: true });
  return {
    workspaceRoot: path.join(dir, 'ws'),
    codexHome: path.join(dir, 'codex-home'),
    userHome: path.join(dir, 'home'),
    launcher: LAUNCHER,
  };
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function read(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

function setUp(agent: SetupAgent, ctx: SetupContext): void {
  applySetupPlan(planAgentSetup(agent, ctx));
}

function undo(agent: SetupAgent, ctx: SetupContext): void {
  applySetupPlan(planAgentSetup(agent, ctx, true));
}

const HOOK_LINE = `/bin/sh ${LAUNCHER} hook claude || exit 2`;

describe('agent set-up: Claude Code', () => {
  it('creates the hook, the server approval and the server, started through the launcher', () => {
    const ctx = freshContext();
    const plan = planAgentSetup('claude', ctx);
    assert.deepEqual(
      plan.edits.map((e) => [path.relative(ctx.workspaceRoot, e.path), e.before]),
      [
        ['.claude/settings.local.json', undefined],
        ['.mcp.json', undefined],
      ],
    );
    applySetupPlan(plan);
    const settings = JSON.parse(read(path.join(ctx.workspaceRoot, '.claude', 'settings.local.json'))!);
    assert.deepEqual(settings, {
      hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command: HOOK_LINE, timeout: 30 }] }] },
      enabledMcpjsonServers: ['agent-sandbox'],
    });
    const mcp = JSON.parse(read(path.join(ctx.workspaceRoot, '.mcp.json'))!);
    assert.deepEqual(mcp, { mcpServers: { 'agent-sandbox': { command: LAUNCHER, args: ['--workspace', ctx.workspaceRoot, 'mcp'] } } });
  });

  it("keeps the person's own hooks and servers, changes nothing on a second run, and undo gives the files back byte for byte", () => {
    const ctx = freshContext();
    const settingsFile = path.join(ctx.workspaceRoot, '.claude', 'settings.local.json');
    const mcpFile = path.join(ctx.workspaceRoot, '.mcp.json');
    const own = {
      permissions: { allow: ['Bash(ls:*)'] },
      hooks: {
        PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'my-linter' }] }],
        Stop: [{ hooks: [{ type: 'command', command: 'notify' }] }],
      },
    };
    const ownText = `${JSON.stringify(own, null, 2)}\n`;
    const ownMcp = `${JSON.stringify({ mcpServers: { docs: { command: 'docs-server' } } }, null, 2)}\n`;
    write(settingsFile, ownText);
    write(mcpFile, ownMcp);
    setUp('claude', ctx);
    const merged = JSON.parse(read(settingsFile)!);
    assert.equal(merged.hooks.PreToolUse.length, 2);
    assert.deepEqual(merged.hooks.PreToolUse[0], own.hooks.PreToolUse[0], "the person's hook stays first");
    assert.deepEqual(merged.hooks.Stop, own.hooks.Stop);
    assert.deepEqual(merged.permissions, own.permissions);
    assert.deepEqual(Object.keys(JSON.parse(read(mcpFile)!).mcpServers), ['docs', 'agent-sandbox']);

    const second = planAgentSetup('claude', ctx);
    assert.deepEqual(second.edits, [], 'a second run changes nothing');
    assert.match(planDiff(second), /already set up/);

    undo('claude', ctx);
    assert.equal(read(settingsFile), ownText);
    assert.equal(read(mcpFile), ownMcp);
  });

  it('undo deletes the files the set-up created, and then has nothing left to do', () => {
    const ctx = freshContext();
    setUp('claude', ctx);
    undo('claude', ctx);
    assert.equal(read(path.join(ctx.workspaceRoot, '.claude', 'settings.local.json')), undefined);
    assert.equal(read(path.join(ctx.workspaceRoot, '.mcp.json')), undefined);
    assert.deepEqual(fs.readdirSync(ctx.workspaceRoot), [], 'the .claude folder the set-up made goes too');
    assert.deepEqual(planAgentSetup('claude', ctx, true).edits, []);
  });

  it('replaces an earlier entry of ours where it stands instead of adding a second one', () => {
    const ctx = freshContext();
    const file = path.join(ctx.workspaceRoot, '.claude', 'settings.local.json');
    const older = { matcher: '*', hooks: [{ type: 'command', command: '/old/path/cli.js hook claude' }] };
    const mine = { matcher: 'Edit', hooks: [{ type: 'command', command: 'mine' }] };
    write(file, JSON.stringify({ hooks: { PreToolUse: [older, mine] } }));
    setUp('claude', ctx);
    const pre = JSON.parse(read(file)!).hooks.PreToolUse;
    assert.equal(pre.length, 2);
    assert.equal(pre[0].hooks[0].command, HOOK_LINE);
    assert.deepEqual(pre[1], mine);
  });

  it('refuses a malformed file with its name and leaves every file untouched', () => {
    const ctx = freshContext();
    const file = path.join(ctx.workspaceRoot, '.claude', 'settings.local.json');
    write(file, '{ "hooks": { ');
    assert.throws(
      () => planAgentSetup('claude', ctx),
      (err: Error) => err instanceof SetupFileError && err.message.includes(file) && /not valid JSON/.test(err.message),
    );
    write(file, '{ "hooks": [] }');
    assert.throws(() => planAgentSetup('claude', ctx), /"hooks" is not a JSON object/);
    write(file, '[1, 2]');
    assert.throws(() => planAgentSetup('claude', ctx), /does not hold a JSON object/);
    assert.equal(read(file), '[1, 2]');
    assert.equal(read(path.join(ctx.workspaceRoot, '.mcp.json')), undefined, 'no file of the plan is written when one of them fails');
  });

  it('refuses a plan whose file changed after it was shown, and a symbolic link', () => {
    const ctx = freshContext();
    const plan = planAgentSetup('claude', ctx);
    const mcpFile = path.join(ctx.workspaceRoot, '.mcp.json');
    write(mcpFile, '{"mcpServers":{}}');
    assert.throws(() => applySetupPlan(plan), StalePlanError);
    assert.equal(read(path.join(ctx.workspaceRoot, '.claude', 'settings.local.json')), undefined);
    fs.rmSync(mcpFile);
    fs.symlinkSync(path.join(base, 'elsewhere.json'), mcpFile);
    assert.throws(() => planAgentSetup('claude', ctx), /symbolic link/);
  });
});

describe('agent set-up: Codex', () => {
  const PERSON = [
    'model = "o4"',
    'approval_policy = "on-request"',
    '',
    '[mcp_servers.docs]',
    'command = "docs-server"',
    'args = ["--port", "1"]',
    '',
  ].join('\n');

  it("appends one delimited block with the server and the hook, and warns about Codex's own sandbox and hook trust", () => {
    const ctx = freshContext();
    const file = path.join(ctx.codexHome, 'config.toml');
    write(file, PERSON);
    const plan = planAgentSetup('codex', ctx);
    assert.equal(plan.edits.length, 1);
    assert.ok(plan.warnings.some((w) => w.includes('sandbox_mode = "danger-full-access"') && w.includes('--sandbox danger-full-access')));
    assert.ok(plan.warnings.some((w) => w.includes('/hooks')));
    applySetupPlan(plan);
    const text = read(file)!;
    assert.ok(text.startsWith(`${PERSON}\n${BLOCK_BEGIN}`), "the person's settings are untouched, the block follows after one blank line");
    assert.ok(text.includes(`[mcp_servers.agent-sandbox]\ncommand = "${LAUNCHER}"\nargs = ["mcp"]\nrequired = true\n`));
    assert.ok(
      text.includes(
        `[[hooks.PreToolUse]]\nmatcher = "*"\n\n[[hooks.PreToolUse.hooks]]\ntype = "command"\ncommand = "${HOOK_LINE}"\ntimeout = 30`,
      ),
    );
    const paths = scanToml(text, file)
      .filter((s) => s.kind !== 'key')
      .map((s) => s.path.join('.'));
    const key = `${file}:pre_tool_use:0:0`;
    assert.deepEqual(paths, [
      'mcp_servers.docs',
      'mcp_servers.agent-sandbox',
      'hooks.PreToolUse',
      'hooks.PreToolUse.hooks',
      `hooks.state.${key}`,
    ]);
    const hash = codexPreToolUseHookHash({ matcher: '*', command: HOOK_LINE, timeoutSec: 30 });
    assert.ok(
      text.includes(`[hooks.state.${JSON.stringify(key)}]\ntrusted_hash = "${hash}"\n${BLOCK_END}`),
      'the trust record of exactly the hook the block adds, inside the block',
    );

    assert.deepEqual(planAgentSetup('codex', ctx).edits, [], 'a second run changes nothing');
    undo('codex', ctx);
    assert.equal(read(file), PERSON, 'undo gives the file back byte for byte');
  });

  it('refreshes the block in place when the launcher moved, keeping what the person added after it', () => {
    const ctx = freshContext();
    const file = path.join(ctx.codexHome, 'config.toml');
    write(file, PERSON);
    setUp('codex', ctx);
    fs.appendFileSync(file, '\n[profiles.fast]\nmodel = "mini"\n');
    const moved = { ...ctx, launcher: '/elsewhere/bin/agent-sandbox' };
    setUp('codex', moved);
    const text = read(file)!;
    assert.equal(text.split(BLOCK_BEGIN).length, 2, 'one block');
    assert.ok(text.includes('command = "/elsewhere/bin/agent-sandbox"') && !text.includes(LAUNCHER));
    assert.ok(text.endsWith('[profiles.fast]\nmodel = "mini"\n'));
    undo('codex', moved);
    assert.equal(read(file), `${PERSON}\n[profiles.fast]\nmodel = "mini"\n`);
  });

  it('names CODEX_HOME by its real path, as Codex does in its hook trust keys (the default ~/.codex as it is)', () => {
    const dir = path.join(base, String(counter++));
    fs.mkdirSync(path.join(dir, 'real', 'codex'), { recursive: true });
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    const real = fs.realpathSync(path.join(dir, 'real'));
    assert.equal(codexHome({ CODEX_HOME: path.join(dir, 'link', 'codex') }), path.join(real, 'codex'));
    assert.equal(
      codexHome({ CODEX_HOME: path.join(dir, 'link', 'new', 'codex') }),
      path.join(real, 'new', 'codex'),
      'a folder still to be made keeps its name under the real parent',
    );
    assert.equal(codexHome({ HOME: '/h' }), path.join(os.homedir(), '.codex'));
  });

  it('creates the file (and CODEX_HOME) when there is none, and undo deletes it', () => {
    const ctx = freshContext();
    const file = path.join(ctx.codexHome, 'config.toml');
    setUp('codex', ctx);
    assert.ok(read(file)!.startsWith(BLOCK_BEGIN));
    undo('codex', ctx);
    assert.equal(read(file), undefined);
  });

  for (const [what, text, message] of [
    [
      'an MCP server of the same name',
      '[mcp_servers.agent-sandbox]\ncommand = "x"\n',
      /line 1 .*already configures an MCP server named agent-sandbox/,
    ],
    ['the same server under a quoted name', '[mcp_servers."agent-sandbox".env]\nA = "1"\n', /already configures an MCP server/],
    ['the server as a key of [mcp_servers]', '[mcp_servers]\nagent-sandbox = { command = "x" }\n', /line 2 .*already configures/],
    ['mcp_servers as an inline table', 'mcp_servers = { docs = { command = "d" } }\n', /inline value/],
    ['hooks.PreToolUse as an inline array', '[hooks]\nPreToolUse = [\n  { matcher = "*" },\n]\n', /line 2 .*inline value/],
    ['hooks.PreToolUse as a single table', '[hooks.PreToolUse]\nmatcher = "x"\n', /single table/],
    [
      'our hook outside the block',
      `[[hooks.PreToolUse]]\n[[hooks.PreToolUse.hooks]]\ntype = "command"\ncommand = "${HOOK_LINE}"\n`,
      /line 4 .*outside the set-up block/,
    ],
    ['a line that is not TOML', 'model = "o4"\nthis is not toml\n', /line 2: "this is not toml" is neither/],
    ['a string that never ends', 'instructions = """\nnever closed\n', /line 1: the value that starts here never ends/],
    ['a header without its bracket', '[profiles.fast\n', /not a table header/],
    ['hooks.state as an inline table', '[hooks]\nstate = {}\n', /line 2 .*trust record/],
    [
      "a hook state under the key of the set-up's hook",
      '[hooks.state."CONFIG:pre_tool_use:0:0"]\nenabled = false\n',
      /line 1 .*already holds Codex's hook state/,
    ],
    ['a BEGIN line without its END', `${BLOCK_BEGIN}\n[x]\n`, /wrong order/],
  ] as const) {
    it(`refuses ${what}, naming the file, and writes nothing`, () => {
      const ctx = freshContext();
      const file = path.join(ctx.codexHome, 'config.toml');
      const own = text.replace('CONFIG', file);
      write(file, own);
      assert.throws(
        () => planAgentSetup('codex', ctx),
        (err: Error) => err instanceof SetupFileError && err.message.includes(file) && message.test(err.message),
      );
      assert.equal(read(file), own);
    });
  }

  it("accepts the person's own hooks, multi-line values and other tables, and keeps them", () => {
    const ctx = freshContext();
    const file = path.join(ctx.codexHome, 'config.toml');
    const own = [
      'developer_instructions = """',
      'Be brief. [not a header]',
      'mcp_servers = nothing here either',
      '"""',
      'notify = [',
      '  "say",   # a comment',
      '  "done",',
      ']',
      '',
      '[[hooks.PreToolUse]]',
      'matcher = "Bash"',
      '[[hooks.PreToolUse.hooks]]',
      'type = "command"',
      "command = 'my-audit'",
      '',
      '[hooks.state."x:pre_tool_use:0:0"]',
      'trusted_hash = "sha256:00"',
    ].join('\n');
    write(file, own);
    setUp('codex', ctx);
    assert.ok(read(file)!.startsWith(`${own}\n\n${BLOCK_BEGIN}`), 'a file without a final newline gets one before the blank line');
    assert.ok(
      read(file)!.includes(`[hooks.state.${JSON.stringify(`${file}:pre_tool_use:1:0`)}]`),
      "the set-up's hook is the second PreToolUse group, and its trust key says so",
    );
    undo('codex', ctx);
    assert.equal(read(file), `${own}\n`);
  });
});

describe('agent set-up: Gemini CLI', () => {
  it("adds a BeforeTool hook for every tool and the server to .gemini/settings.json, keeping the person's settings", () => {
    const ctx = freshContext();
    const file = path.join(ctx.workspaceRoot, '.gemini', 'settings.json');
    const own = `${JSON.stringify({ theme: 'GitHub', hooks: { BeforeTool: [{ matcher: 'write_file', hooks: [{ type: 'command', command: 'lint' }] }] }, mcpServers: { docs: { command: 'd' } } }, null, 2)}\n`;
    write(file, own);
    setUp('gemini', ctx);
    const settings = JSON.parse(read(file)!);
    assert.equal(settings.theme, 'GitHub');
    assert.equal(settings.hooks.BeforeTool.length, 2);
    assert.deepEqual(settings.hooks.BeforeTool[1], {
      matcher: '.*',
      hooks: [{ name: 'agent-sandbox', type: 'command', command: hookCommandLine(LAUNCHER, 'gemini'), timeout: 30_000 }],
    });
    assert.deepEqual(settings.mcpServers['agent-sandbox'], { command: LAUNCHER, args: ['--workspace', ctx.workspaceRoot, 'mcp'] });
    assert.deepEqual(planAgentSetup('gemini', ctx).edits, []);
    undo('gemini', ctx);
    assert.equal(read(file), own);
  });

  it('refuses settings with comments (not JSON) and writes nothing', () => {
    const ctx = freshContext();
    const file = path.join(ctx.workspaceRoot, '.gemini', 'settings.json');
    write(file, '{\n  // my theme\n  "theme": "x"\n}\n');
    assert.throws(() => planAgentSetup('gemini', ctx), /settings\.json is not valid JSON/);
    assert.equal(read(file), '{\n  // my theme\n  "theme": "x"\n}\n');
  });
});

describe('agent set-up: the diff', () => {
  it('shows every file as a unified diff, new files included', () => {
    const ctx = freshContext();
    const text = planDiff(planAgentSetup('codex', ctx));
    assert.match(text, /--- .*config\.toml\tabsent/);
    assert.match(text, /\+\[mcp_servers\.agent-sandbox\]/);
    assert.match(text, /\+\[\[hooks\.PreToolUse\]\]/);
  });
});

describe('agent set-up: a setting that switches the hook off is refused, nothing written', () => {
  const cases: { agent: SetupAgent; where: (ctx: SetupContext) => string; text: string; names: RegExp }[] = [
    {
      agent: 'claude',
      where: (c) => path.join(c.workspaceRoot, '.claude', 'settings.json'),
      text: '{"disableAllHooks": true}',
      names: /"disableAllHooks": true/,
    },
    {
      agent: 'claude',
      where: (c) => path.join(c.workspaceRoot, '.claude', 'settings.local.json'),
      text: '{"disableAllHooks": true}',
      names: /"disableAllHooks": true/,
    },
    {
      agent: 'claude',
      where: (c) => path.join(c.userHome!, '.claude', 'settings.json'),
      text: '{"disableAllHooks": true}',
      names: /"disableAllHooks": true/,
    },
    {
      agent: 'gemini',
      where: (c) => path.join(c.workspaceRoot, '.gemini', 'settings.json'),
      text: '{"hooksConfig": {"enabled": false}}',
      names: /"enabled": false/,
    },
    {
      agent: 'gemini',
      where: (c) => path.join(c.userHome!, '.gemini', 'settings.json'),
      text: '{"hooksConfig": {"disabled": ["agent-sandbox"]}}',
      names: /hooksConfig\.disabled/,
    },
    {
      agent: 'codex',
      where: (c) => path.join(c.codexHome, 'config.toml'),
      text: 'model = "x"\n[features]\ncodex_hooks = false\n',
      names: /line 3 \(codex_hooks = false\)/,
    },
    {
      agent: 'codex',
      where: (c) => path.join(c.workspaceRoot, '.codex', 'config.toml'),
      text: 'features.codex_hooks = false\n',
      names: /codex_hooks = false/,
    },
    {
      agent: 'codex',
      where: (c) => path.join(c.codexHome, 'config.toml'),
      text: 'features = { codex_hooks = false }\n',
      names: /codex_hooks = false/,
    },
  ];
  for (const { agent, where, text, names } of cases) {
    it(`${agent}: ${text.trim()} in ${path.basename(path.dirname(where({ workspaceRoot: 'ws', codexHome: 'codex-home', userHome: 'home', launcher: '' })))}/${path.basename(where({ workspaceRoot: 'ws', codexHome: 'codex-home', userHome: 'home', launcher: '' }))}`, () => {
      const ctx = freshContext();
      const file = where(ctx);
      write(file, text);
      const listing = () => fs.readdirSync(path.dirname(ctx.workspaceRoot), { recursive: true }).sort();
      const was = listing();
      assert.throws(
        () => planAgentSetup(agent, ctx),
        (err: Error) =>
          err instanceof SetupFileError && err.message.includes(file) && names.test(err.message) && /on this machine/.test(err.message),
      );
      assert.deepEqual(listing(), was, 'nothing was written');
      assert.equal(read(file), text);
    });
  }

  it('a switch that is on, or names another hook, is no reason to refuse', () => {
    const ctx = freshContext();
    write(path.join(ctx.workspaceRoot, '.claude', 'settings.json'), '{"disableAllHooks": false}');
    write(path.join(ctx.userHome!, '.gemini', 'settings.json'), '{"hooksConfig": {"enabled": true, "disabled": ["other"]}}');
    write(path.join(ctx.codexHome, 'config.toml'), '[features]\ncodex_hooks = true\n');
    for (const agent of ['claude', 'gemini', 'codex'] as const) assert.equal(planAgentSetup(agent, ctx).edits.length > 0, true, agent);
  });

  it('undo is not refused by a switch (it only removes what the set-up added)', () => {
    const ctx = freshContext();
    setUp('claude', ctx);
    write(path.join(ctx.workspaceRoot, '.claude', 'settings.json'), '{"disableAllHooks": true}');
    undo('claude', ctx);
    assert.equal(read(path.join(ctx.workspaceRoot, '.mcp.json')), undefined);
  });

  it('a malformed file that can carry a switch is a clear error', () => {
    const ctx = freshContext();
    write(path.join(ctx.userHome!, '.claude', 'settings.json'), '{"disableAllHooks": tru');
    assert.throws(() => planAgentSetup('claude', ctx), /\.claude\/settings\.json is not valid JSON/);
    write(path.join(ctx.userHome!, '.gemini', 'settings.json'), '{"hooksConfig": []}');
    assert.throws(() => planAgentSetup('gemini', ctx), /"hooksConfig" is not a JSON object/);
  });
});

describe('agent set-up: never writes through a symbolic link or a non-folder on the way', () => {
  it('refuses a linked .claude or .gemini folder, and writes nothing at the link target', () => {
    for (const [agent, folder] of [
      ['claude', '.claude'],
      ['gemini', '.gemini'],
    ] as const) {
      const ctx = freshContext();
      const elsewhere = path.join(path.dirname(ctx.workspaceRoot), 'elsewhere');
      fs.mkdirSync(elsewhere);
      fs.symlinkSync(elsewhere, path.join(ctx.workspaceRoot, folder));
      assert.throws(
        () => planAgentSetup(agent, ctx),
        (err: Error) =>
          err instanceof SetupFileError && err.message.includes(path.join(ctx.workspaceRoot, folder)) && /symbolic link/.test(err.message),
      );
      assert.throws(() => planAgentSetup(agent, ctx, true), /symbolic link/, 'undo refuses too');
      assert.deepEqual(fs.readdirSync(elsewhere), []);
    }
  });

  it('refuses a linked file, and a file where a folder should be', () => {
    const ctx = freshContext();
    const target = path.join(path.dirname(ctx.workspaceRoot), 'target.json');
    fs.writeFileSync(target, '{}');
    fs.mkdirSync(path.join(ctx.workspaceRoot, '.gemini'));
    fs.symlinkSync(target, path.join(ctx.workspaceRoot, '.gemini', 'settings.json'));
    assert.throws(() => planAgentSetup('gemini', ctx), /symbolic link/);
    fs.writeFileSync(path.join(ctx.workspaceRoot, '.claude'), 'not a folder');
    assert.throws(
      () => planAgentSetup('claude', ctx),
      (err: Error) => err instanceof SetupFileError && /\.claude is not a folder/.test(err.message),
    );
    assert.equal(fs.readFileSync(target, 'utf8'), '{}');
  });

  it('refuses a folder replaced by a link between plan and apply, writing nothing through it', () => {
    const ctx = freshContext();
    fs.mkdirSync(path.join(ctx.workspaceRoot, '.gemini'));
    const plan = planAgentSetup('gemini', ctx);
    const elsewhere = path.join(path.dirname(ctx.workspaceRoot), 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.rmdirSync(path.join(ctx.workspaceRoot, '.gemini'));
    fs.symlinkSync(elsewhere, path.join(ctx.workspaceRoot, '.gemini'));
    assert.throws(() => applySetupPlan(plan), /symbolic link/);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
  });

  it('refuses a folder the set-up would create that appears as a link before apply', () => {
    const ctx = freshContext();
    const plan = planAgentSetup('claude', ctx);
    const elsewhere = path.join(path.dirname(ctx.workspaceRoot), 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, path.join(ctx.workspaceRoot, '.claude'));
    assert.throws(() => applySetupPlan(plan), /symbolic link/);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
  });
});
