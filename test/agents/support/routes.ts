/**
 * The README's table of agents × routes, and the proof behind each cell. A cell is a claim:
 * what the product guarantees for one route an agent has (its shell tool, its file tools, a
 * hook that fails, ...). A test that proves a claim with the real agent program is declared
 * with `provesRoute`, and records in a ledger that it passed. After the agents suite the test
 * runner checks the ledger (checkRoutes.ts): a claim that no passing test recorded fails the
 * run, and a unit test keeps the README's table equal to `renderRoutesTable()`. So the table
 * says nothing the suite did not prove in that run.
 */
import * as fs from 'node:fs';
import { it, type TestContext } from 'node:test';

export const AGENT_NAMES = {
  claude: 'Claude Code',
  codex: 'Codex',
  gemini: 'Gemini CLI',
  copilot: 'GitHub Copilot CLI',
} as const;
export type AgentId = keyof typeof AGENT_NAMES;

export const ROUTE_NAMES = {
  shell: 'Its shell tool',
  edit: 'Its file edit tools',
  read: 'Its read, list and search tools',
  hostRun: 'Its tools that run code or write outside the workspace',
  hookFailure: 'A hook that fails (program missing, exception, engine hung)',
  mcp: 'The `agent-sandbox mcp` tools',
  setup: 'Set up by one command (`agent-sandbox setup`, or Set Up Agent…)',
  inside: 'The whole agent inside the sandbox (Run Agent in Sandbox)',
} as const;
export type RouteId = keyof typeof ROUTE_NAMES;

/** The claims, by route and agent. An agent without a claim for a route shows a dash and a note. */
export const ROUTE_CLAIMS: Readonly<Record<RouteId, Partial<Record<AgentId, string>>>> = {
  shell: {
    claude: '`Bash` runs in the sandbox; changes wait for review',
    codex: '`exec_command` runs in the sandbox; changes wait for review',
    gemini: '`run_shell_command` runs in the sandbox; changes wait for review',
    copilot: '`bash` runs in the sandbox; changes wait for review',
  },
  edit: {
    claude: '`Write`, `Edit` refused, the reason names the sandbox tools',
    codex: '`apply_patch` refused; typed into the shell it runs in the sandbox',
    gemini: '`write_file`, `replace` refused, the reason names the sandbox tools',
    copilot: '`create`, `edit` refused, the reason names the sandbox tools',
  },
  read: {
    claude: '`Read` shows the sandbox copy (it reads back its own writes); searches go through Bash, in the copy',
    codex: 'reads through its shell, so it reads the sandbox copy',
    gemini:
      '`read_file` shows the sandbox copy (it reads back its own writes); `glob`, `grep_search`, `list_directory` in the workspace refused with the `run_shell_command` route',
    copilot: '`view` shows the sandbox copy (it reads back its own writes); `grep`, `glob` in the workspace refused with the bash route',
  },
  hostRun: {
    claude: '`EnterWorktree` (it would run `git worktree add` on the host) refused',
    codex: '`write_stdin` (no hook sees it) types only into a sandboxed command; nothing typed runs on the host',
    gemini: '`invoke_agent` (a subagent whose calls may not reach the hook) refused',
    copilot: '`task` (a subagent whose calls may not reach the hook) refused',
  },
  hookFailure: {
    claude: 'the call is blocked',
    codex: 'the call is blocked',
    gemini: 'the call is blocked',
    copilot: 'the call is blocked',
  },
  mcp: {
    claude: 'registered in `.mcp.json`; its writes and commands land in the sandbox copy',
    codex: 'registered in `config.toml` (required); its writes and commands land in the sandbox copy',
    gemini: '`mcp_agent-sandbox_write_file`, `_run_command`, `_read_file` act on the sandbox copy',
  },
  setup: {
    claude: 'hook + MCP server in `.claude/settings.local.json` and `.mcp.json`, shown as a diff; `--undo` restores the files',
    gemini: 'hook + MCP server in `.gemini/settings.json`; `--undo` restores the file',
    codex:
      "hook + MCP server in one marked block of `$CODEX_HOME/config.toml`; `--undo` restores the file. The block holds Codex's trust record for its hook (a hook line changed by hand is skipped, and commands run on the host). Needs `--sandbox danger-full-access`",
  },
  inside: {
    claude:
      '`agent-sandbox tools install claude` puts it in the read-only tools volume; it runs in the container, its API key added by the host proxy (the container holds a placeholder); its edits wait for review',
  },
};

/** Why a route has no claim for an agent, shown in place of one. */
export const ROUTE_GAPS: Readonly<Partial<Record<RouteId, Partial<Record<AgentId, string>>>>> = {};

export interface RouteProof {
  readonly agent: AgentId;
  readonly route: RouteId;
  readonly test: string;
}

/** The ledger passing proofs are appended to (JSON lines); unset outside the test runner. */
export const LEDGER_VARIABLE = 'AGENT_SANDBOX_ROUTE_LEDGER';

function record(proofs: readonly RouteProof[]): void {
  const ledger = process.env[LEDGER_VARIABLE];
  if (!ledger) return;
  fs.appendFileSync(ledger, proofs.map((p) => `${JSON.stringify(p)}\n`).join(''));
}

/**
 * A test that proves the claims of `routes` for `agent`: it is recorded in the ledger only once
 * its body has passed. Claiming a cell the table does not have is a mistake caught here.
 */
export function provesRoute(
  agent: AgentId,
  routes: RouteId | readonly RouteId[],
  title: string,
  body: (t: TestContext) => Promise<void>,
): void {
  const list = typeof routes === 'string' ? [routes] : routes;
  for (const route of list) {
    if (!ROUTE_CLAIMS[route]?.[agent])
      throw new Error(`"${title}" proves ${ROUTE_NAMES[route]} for ${AGENT_NAMES[agent]}, which the routes table does not claim`);
  }
  it(title, async (t) => {
    await body(t);
    record(list.map((route) => ({ agent, route, test: title })));
  });
}

/** Every claim of the table, as (agent, route) pairs. */
export function claimedCells(): { agent: AgentId; route: RouteId }[] {
  return (Object.keys(ROUTE_CLAIMS) as RouteId[]).flatMap((route) =>
    (Object.keys(ROUTE_CLAIMS[route]) as AgentId[]).map((agent) => ({ agent, route })),
  );
}

/** The claims that no passing test in `proofs` recorded. */
export function unprovenCells(proofs: readonly RouteProof[]): { agent: AgentId; route: RouteId }[] {
  const proven = new Set(proofs.map((p) => `${p.agent}/${p.route}`));
  return claimedCells().filter((c) => !proven.has(`${c.agent}/${c.route}`));
}

/** Reads a ledger written by `provesRoute`; a line that is not a proof is an error. */
export function readLedger(file: string): RouteProof[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const p = JSON.parse(line) as RouteProof;
      if (!(p.agent in AGENT_NAMES) || !(p.route in ROUTE_NAMES) || typeof p.test !== 'string')
        throw new Error(`not a route proof: ${line}`);
      return p;
    });
}

export const TABLE_BEGIN = '<!-- agents-routes-table: generated from test/agents/support/routes.ts -->';
export const TABLE_END = '<!-- /agents-routes-table -->';

/** The README's table: one row per route, one column per agent. */
export function renderRoutesTable(): string {
  const agents = Object.keys(AGENT_NAMES) as AgentId[];
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [`| Route | ${agents.map((a) => AGENT_NAMES[a]).join(' | ')} |`, `|---|${agents.map(() => '---').join('|')}|`];
  for (const route of Object.keys(ROUTE_NAMES) as RouteId[]) {
    const cells = agents.map((agent) =>
      escape(ROUTE_CLAIMS[route][agent] ?? (ROUTE_GAPS[route]?.[agent] ? `— ${ROUTE_GAPS[route]![agent]!}` : '—')),
    );
    lines.push(`| ${escape(ROUTE_NAMES[route])} | ${cells.join(' | ')} |`);
  }
  return [TABLE_BEGIN, ...lines, TABLE_END].join('\n');
}
