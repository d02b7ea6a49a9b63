/**
 * Where the real agent programs are: CLAUDE_CODE_BIN, CODEX_BIN, COPILOT_BIN and GEMINI_BIN when set (the test runner
 * exports them), otherwise whatever `.ci/ensure-agent-clis` installs or finds in its cache.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../integration/support/sandbox';

export interface AgentClis {
  readonly claude: string;
  readonly codex: string;
  readonly copilot: string;
  readonly gemini: string;
}

let cached: AgentClis | undefined;

export function agentClis(): AgentClis {
  if (cached) return cached;
  let claude = process.env.CLAUDE_CODE_BIN;
  let codex = process.env.CODEX_BIN;
  let copilot = process.env.COPILOT_BIN;
  let gemini = process.env.GEMINI_BIN;
  if (!claude || !codex || !copilot || !gemini) {
    const script = path.join(REPO_ROOT, '.ci', 'ensure-agent-clis');
    const r = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    const vars = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    claude ??= vars.CLAUDE_CODE_BIN;
    codex ??= vars.CODEX_BIN;
    copilot ??= vars.COPILOT_BIN;
    gemini ??= vars.GEMINI_BIN;
  }
  for (const [name, bin] of [
    ['CLAUDE_CODE_BIN', claude],
    ['CODEX_BIN', codex],
    ['COPILOT_BIN', copilot],
    ['GEMINI_BIN', gemini],
  ] as const) {
    if (!bin || !fs.existsSync(bin))
      throw new Error(
        `${name} (${bin ?? 'unset'}) is not an installed agent program; run .ci/ensure-agent-clis and export what it prints.`,
      );
  }
  cached = { claude: claude!, codex: codex!, copilot: copilot!, gemini: gemini! };
  return cached;
}
