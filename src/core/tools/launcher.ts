/**
 * The stable launcher: a small POSIX sh script at `<state root>/bin/agent-sandbox` that
 * starts the current CLI. Agent hook configurations and rewritten shell commands name this
 * file, never the CLI itself: the editor extension's CLI lives in a folder whose name
 * carries the version, so every update would leave the configured path dangling, and an
 * agent treats a hook that cannot start as a non-blocking error (the call then runs on the
 * host). The launcher is rewritten, atomically and only when its content changes, by the
 * extension at activation, by the hook configuration writers and by the hook itself.
 *
 * When the CLI it points to is gone, the launcher answers a hook call with a deny and exit
 * code 2 (the only code that blocks), and any other call with exit code 2 and nothing run.
 * The deny is printed in the format the hook's command line names (`hook copilot`: Copilot's
 * flat answer; `hook gemini`: Gemini's `decision`; otherwise `hookSpecificOutput`): exit code
 * 2 alone blocks in Claude Code, VS Code, Codex and Copilot, the JSON carries the reason,
 * Copilot lets a call run when a hook prints invalid JSON, and Gemini CLI reads only the JSON
 * (a JSON answer without its `decision` lets the call run there, whatever the exit code).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replaceFileSync } from '../fsx';
import { ensurePrivateDir } from '../privateDir';
import { stateRoot } from '../paths';
import { answerIn, denyAnswer } from './hooks';
import { shellQuote } from './shellQuote';

/**
 * Characters that no shell an agent may type a line into treats specially anywhere in a
 * word: bash, dash, zsh, fish and PowerShell all read a word made of these literally (no
 * quoting, globbing, expansion, escape, comment or operator character). The launcher's path
 * must consist of them, so that lines naming it need no quoting at all.
 */
export const INERT_PATH = /^\/[A-Za-z0-9_./-]+$/;

/** Seconds the launcher lets a hook call run before it stops it and blocks the call. */
export const LAUNCHER_HOOK_LIMIT_SEC = 25;

export class UnsafeStatePathError extends Error {
  constructor(readonly launcher: string) {
    super(
      `The Agent Sandbox state folder path ${JSON.stringify(path.dirname(path.dirname(launcher)))} contains characters that some shells treat specially, ` +
        'so commands naming it cannot be handed to an agent safely. Set AGENT_SANDBOX_STATE_DIR to a folder whose path has only letters, digits and _ . / - ' +
        '(for example ~/.agent-sandbox-state) for the editor and the agents alike, then try again.',
    );
  }
}

/** Where the launcher lives for this environment's state root. */
export function launcherPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateRoot(env), 'bin', 'agent-sandbox');
}

/** Throws UnsafeStatePathError unless the launcher path is made of inert characters only. */
export function assertInertLauncher(launcher: string): string {
  if (!INERT_PATH.test(launcher)) throw new UnsafeStatePathError(launcher);
  return launcher;
}

const GONE_REASON =
  'Agent Sandbox: the agent-sandbox program this hook starts is gone (the editor extension or the CLI was updated or removed), so the call was blocked. ' +
  'Open the workspace in VS Code with Agent Sandbox enabled, or run `agent-sandbox hook-config`, to renew it.';
const TIMEOUT_REASON =
  'Agent Sandbox: the hook failed or did not answer in time, so the call was blocked. Check that the sandbox and the container engine are running, then try again.';

/**
 * A shell snippet that prints the deny answer for `reason` in the format of the hook's
 * dialect, read from `$dialectVar` (the word after `hook`).
 */
function printDeny(reason: string, dialectVar: string): string {
  const copilot = shellQuote(JSON.stringify(answerIn('copilot', denyAnswer(reason))));
  const gemini = shellQuote(JSON.stringify(answerIn('gemini', denyAnswer(reason))));
  const claude = shellQuote(JSON.stringify(denyAnswer(reason)));
  return `case "${dialectVar}" in copilot) printf '%s\\n' ${copilot} ;; gemini) printf '%s\\n' ${gemini} ;; *) printf '%s\\n' ${claude} ;; esac`;
}

/** The launcher script for a CLI argv (as currentCliInvocation or the extension's bundled CLI give it). */
export function launcherScript(cliArgv: readonly string[], root: string): string {
  if (!cliArgv.length) throw new Error('The launcher needs the command that starts the agent-sandbox CLI.');
  const exec = cliArgv.map(shellQuote).join(' ');
  // Absolute paths of the argv (node or Electron, the script) must still exist; bare names
  // such as `env` or `node` are found through PATH when the launcher runs.
  const required = cliArgv.filter((a) => a.startsWith('/'));
  return [
    '#!/bin/sh',
    '# Agent Sandbox launcher: starts the agent-sandbox CLI for agent hooks and the commands they',
    '# hand back. Written by Agent Sandbox and rewritten when the CLI moves; do not edit.',
    `AGENT_SANDBOX_STATE_DIR=${shellQuote(root)}`,
    'export AGENT_SANDBOX_STATE_DIR',
    'gone() {',
    `  printf 'agent-sandbox: %s no longer exists (the editor extension or the CLI was updated or removed); nothing was run. Open VS Code with Agent Sandbox or run agent-sandbox hook-config to renew this launcher.\\n' "$1" >&2`,
    `  if [ "$2" = hook ]; then ${printDeny(GONE_REASON, '$3')}; fi`,
    '  exit 2',
    '}',
    ...required.map((p) => `[ -e ${shellQuote(p)} ] || gone ${shellQuote(p)} "\${1-}" "\${2-}"`),
    // An agent treats a hook that outlives its timeout as a non-blocking error and runs the
    // call on the host: stop the hook first and block. Any failure of the hook blocks too.
    'if [ "${1-}" = hook ] && command -v timeout >/dev/null 2>&1; then',
    `  timeout -k 2 ${LAUNCHER_HOOK_LIMIT_SEC} ${exec} "$@"`,
    '  status=$?',
    '  [ "$status" -eq 0 ] && exit 0',
    `  [ "$status" -eq 2 ] || { ${printDeny(TIMEOUT_REASON, '${2-}')}; }`,
    `  [ "$status" -eq 2 ] || printf 'agent-sandbox hook failed or timed out (exit %s); the call is blocked.\\n' "$status" >&2`,
    '  exit 2',
    'fi',
    `exec ${exec} "$@"`,
    '',
  ].join('\n');
}

/**
 * Writes or refreshes the launcher for `cliArgv` and returns its path. Idempotent: an
 * unchanged launcher is left alone; a changed one is replaced by rename, so a shell that is
 * reading the old file at that moment keeps reading the old one.
 */
export function ensureLauncher(cliArgv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const launcher = assertInertLauncher(launcherPath(env));
  const content = launcherScript(cliArgv, stateRoot(env));
  ensurePrivateDir(path.dirname(launcher));
  try {
    const st = fs.lstatSync(launcher);
    if (st.isFile() && (st.mode & 0o777) === 0o700 && fs.readFileSync(launcher, 'utf8') === content) return launcher;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  replaceFileSync(launcher, content, 0o700);
  return launcher;
}
