/**
 * What setting an agent up writes, as a list of file edits {path, before, after} that can be
 * shown as a diff before anything is written, and what undoing it writes. One plan per agent:
 *
 * - Claude Code: `.claude/settings.local.json` (the PreToolUse hook, and `agent-sandbox` in
 *   `enabledMcpjsonServers` so the project server is used without a prompt) and `.mcp.json`
 *   (the server).
 * - Codex: `$CODEX_HOME/config.toml` (default `~/.codex`), one block with the server and the
 *   hook, with Codex's trust record for that hook (codexToml.ts), shown in the diff like the
 *   rest. Codex's own sandbox is the person's to decide: the plan says what to set.
 * - Gemini CLI: `.gemini/settings.json` (BeforeTool hook and `mcpServers`).
 *
 * Hook and server both start the stable launcher (launcher.ts), never the versioned CLI, so
 * the lines survive updates; the hook line is the fail-closed one hookCommandLine builds.
 * A file that cannot be read as its format is an error and is never written. A setting that
 * switches the agent's hooks off (hookSwitches.ts), and a symbolic link or non-folder between
 * the workspace (or Codex's home) and a file, stop the set-up before anything is written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { replaceFileSync } from '../../fsx';
import { hookCommandLine } from '../hookConfig';
import type { HookDialect } from '../hooks';
import { codexConfigWithoutSetup, codexConfigWithSetup } from './codexToml';
import { switchFiles } from './hookSwitches';
import {
  claudeHookEntry,
  formatJsonSettings,
  geminiHookEntry,
  MCP_SERVER_NAME,
  parseJsonSettings,
  SetupFileError,
  withHookEntry,
  withListed,
  withMcpServer,
  withoutHookEntry,
  withoutListed,
  withoutMcpServer,
  type JsonObject,
} from './jsonSettings';

export const SETUP_AGENTS = ['claude', 'codex', 'gemini'] as const;
export type SetupAgent = (typeof SETUP_AGENTS)[number];

export const AGENT_NAMES: Record<SetupAgent, string> = { claude: 'Claude Code', codex: 'Codex', gemini: 'Gemini CLI' };

/** Larger files are not agent settings; reading them whole would only cost memory. */
const MAX_SETTINGS_BYTES = 4 * 1024 * 1024;

/** One file's content before and after (undefined: the file does not exist, or goes). */
export interface FileEdit {
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

export interface SetupPlan {
  readonly agent: SetupAgent;
  readonly undo: boolean;
  /** Only the files that change; empty when there is nothing to do. */
  readonly edits: readonly FileEdit[];
  /** What the person must know or set themselves; shown with the diff, never written. */
  readonly warnings: readonly string[];
  /** The folder the edited files sit under (setupRoot); apply checks the folders below it again. */
  readonly root: string;
}

export interface SetupContext {
  /** The workspace's real path. */
  readonly workspaceRoot: string;
  /** The stable launcher's path (launcherPath or ensureLauncher). */
  readonly launcher: string;
  /** Codex's home folder (codexHome()). */
  readonly codexHome: string;
  /** The person's home folder, where the user-level settings of Claude Code and Gemini CLI sit; os.homedir() when absent. */
  readonly userHome?: string;
}

/**
 * `$CODEX_HOME`, or `~/.codex` as Codex itself defaults. Codex resolves the links of a
 * CODEX_HOME it is given (not of the default) and names config.toml by that path in its hook
 * trust keys, so the set-up does the same.
 */
export function codexHome(env: NodeJS.ProcessEnv = process.env): string {
  if (!env.CODEX_HOME?.trim()) return path.join(os.homedir(), '.codex');
  return realPathOfNearest(path.resolve(env.CODEX_HOME));
}

/** The path with the links of its nearest existing ancestor resolved (the set-up creates the rest). */
function realPathOfNearest(target: string): string {
  const missing: string[] = [];
  let dir = target;
  for (;;) {
    try {
      return path.join(fs.realpathSync(dir), ...missing);
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return target;
      missing.unshift(path.basename(dir));
      dir = parent;
    }
  }
}

export function setupFiles(agent: SetupAgent, ctx: Pick<SetupContext, 'workspaceRoot' | 'codexHome'>): string[] {
  switch (agent) {
    case 'claude':
      return [path.join(ctx.workspaceRoot, '.claude', 'settings.local.json'), path.join(ctx.workspaceRoot, '.mcp.json')];
    case 'codex':
      return [path.join(ctx.codexHome, 'config.toml')];
    case 'gemini':
      return [path.join(ctx.workspaceRoot, '.gemini', 'settings.json')];
  }
}

/**
 * The folder the set-up's files sit under, whose own path is trusted (the workspace, or Codex's
 * home as Codex resolves it); every folder below it on the way to a file is checked.
 */
export function setupRoot(agent: SetupAgent, ctx: Pick<SetupContext, 'workspaceRoot' | 'codexHome'>): string {
  return agent === 'codex' ? ctx.codexHome : ctx.workspaceRoot;
}

/**
 * Refuses when a folder between `root` and `file` is a symbolic link or not a folder: a
 * linked `.claude` or `.gemini` would have the set-up write (and undo delete) somewhere
 * outside the workspace while naming the workspace path. A folder not made yet is fine (the
 * set-up makes it, and checks again just before writing).
 */
export function assertNoLinkBetween(root: string, file: string): void {
  const rel = path.relative(root, path.dirname(file));
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new SetupFileError(`${file} is not inside ${root}; the set-up writes only there.`);
  let dir = root;
  for (const name of rel ? rel.split(path.sep) : []) {
    dir = path.join(dir, name);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (st.isSymbolicLink()) {
      throw new SetupFileError(
        `${dir} is a symbolic link. The set-up writes ${file} only through real folders, so that it cannot write somewhere else; replace the link by a folder (copy what it points to), then run again. Nothing was written.`,
      );
    }
    if (!st.isDirectory())
      throw new SetupFileError(`${dir} is not a folder, so ${file} cannot be written; move it away, then run again. Nothing was written.`);
  }
}

/** The file's text, or undefined when it does not exist; refuses what is not a regular file, or a path through a link when `root` is given. */
export function readSettingsFile(file: string, root?: string): string | undefined {
  if (root !== undefined) assertNoLinkBetween(root, file);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (st.isSymbolicLink()) {
    throw new SetupFileError(
      `${file} is a symbolic link. The set-up edits only regular files, so that it cannot write somewhere else; replace the link by the file it points to, then run again.`,
    );
  }
  if (!st.isFile()) throw new SetupFileError(`${file} is not a regular file; move it away, then run again.`);
  if (st.size > MAX_SETTINGS_BYTES)
    throw new SetupFileError(`${file} is larger than ${MAX_SETTINGS_BYTES} bytes, which no settings file is; check it, then run again.`);
  return readNoFollow(file);
}

/** Reads a regular file without following a link at its last component, and without blocking on what was swapped in since the check. */
function readNoFollow(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SetupFileError(`${file} is not a regular file; move it away, then run again.`);
    if (st.size > MAX_SETTINGS_BYTES)
      throw new SetupFileError(`${file} is larger than ${MAX_SETTINGS_BYTES} bytes, which no settings file is; check it, then run again.`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Refuses when a setting the agent reads switches its hooks off (hookSwitches.ts). A
 * user-level file under a linked folder is the person's own choice and is read through it; the
 * workspace's are checked like the files the set-up writes.
 */
function assertHooksNotSwitchedOff(agent: SetupAgent, ctx: SetupContext): void {
  const userHome = ctx.userHome ?? os.homedir();
  for (const sw of switchFiles(agent, { workspaceRoot: ctx.workspaceRoot, userHome, codexHome: ctx.codexHome })) {
    const inWorkspace = !path.relative(ctx.workspaceRoot, sw.path).startsWith('..');
    const text = inWorkspace ? readSettingsFile(sw.path, ctx.workspaceRoot) : readUserFile(sw.path);
    if (text === undefined) continue;
    const off = sw.read(sw.path, text);
    if (off) throw new SetupFileError(off);
  }
}

/** A user-level settings file: the agent follows links there itself, so the set-up reads what the agent reads. */
function readUserFile(file: string): string | undefined {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return readSettingsFile(real);
}

/** The MCP server entry for a JSON settings file: the launcher's `mcp` for this workspace. */
function mcpServer(ctx: SetupContext): JsonObject {
  return { command: ctx.launcher, args: ['--workspace', ctx.workspaceRoot, 'mcp'] };
}

const GEMINI_DIALECT: HookDialect = 'gemini';

type Transform = (before: string | undefined, file: string) => string | undefined;

function jsonTransform(edit: (config: JsonObject, file: string) => JsonObject): Transform {
  return (before, file) => formatJsonSettings(edit(parseJsonSettings(file, before) ?? {}, file));
}

function transforms(agent: SetupAgent, ctx: SetupContext, undo: boolean): Transform[] {
  switch (agent) {
    case 'claude':
      return undo
        ? [
            jsonTransform((c, f) =>
              withoutListed(withoutHookEntry(c, f, 'PreToolUse', 'claude'), f, 'enabledMcpjsonServers', MCP_SERVER_NAME),
            ),
            jsonTransform((c, f) => withoutMcpServer(c, f, 'mcpServers')),
          ]
        : [
            jsonTransform((c, f) =>
              withListed(
                withHookEntry(c, f, 'PreToolUse', claudeHookEntry(hookCommandLine(ctx.launcher, 'claude')), 'claude'),
                f,
                'enabledMcpjsonServers',
                MCP_SERVER_NAME,
              ),
            ),
            jsonTransform((c, f) => withMcpServer(c, f, 'mcpServers', mcpServer(ctx))),
          ];
    case 'codex':
      return [
        undo
          ? codexConfigWithoutSetup
          : (before, file) =>
              codexConfigWithSetup(before, file, { launcher: ctx.launcher, hookLine: hookCommandLine(ctx.launcher, 'claude') }),
      ];
    case 'gemini': {
      const event = 'BeforeTool';
      return [
        undo
          ? jsonTransform((c, f) => withoutMcpServer(withoutHookEntry(c, f, event, GEMINI_DIALECT), f, 'mcpServers'))
          : jsonTransform((c, f) =>
              withMcpServer(
                withHookEntry(c, f, event, geminiHookEntry(hookCommandLine(ctx.launcher, GEMINI_DIALECT)), GEMINI_DIALECT),
                f,
                'mcpServers',
                mcpServer(ctx),
              ),
            ),
      ];
    }
  }
}

function warnings(agent: SetupAgent, ctx: SetupContext, undo: boolean): string[] {
  if (undo) {
    return agent === 'codex'
      ? [
          "The hook's trust record goes with the block. A trust you gave the hook yourself in Codex's /hooks screen, kept under [hooks.state] outside the block, is yours and stays (it no longer matches any hook).",
        ]
      : [];
  }
  switch (agent) {
    case 'claude':
      return [
        '.mcp.json names the launcher on this machine: keep it out of version control, or others get a server that does not start for them.',
        'Claude Code reads the hook and the server when a session starts: restart running sessions.',
      ];
    case 'codex': {
      const out = [
        'Codex runs shell commands in its own sandbox, which cannot reach the container engine, so every command the hook hands back would fail. Let Agent Sandbox confine them instead: start Codex with `--sandbox danger-full-access` (or set sandbox_mode = "danger-full-access" in config.toml). This is not written for you.',
        "Codex runs a hook only when config.toml holds its trust record; the block holds Codex's record for exactly the hook it adds (what Codex's /hooks screen writes after review), so confirming this diff is trusting the hook. If the hook's line is changed by hand, or a [[hooks.PreToolUse]] group is added above the block, the record no longer matches and Codex skips the hook without a word: shell commands then run on this machine, outside the sandbox. Run the set-up again, or trust the hook in /hooks.",
        'The MCP server serves the folder Codex is started in; a folder without a running sandbox gets its tools refused with the reason.',
      ];
      if (fs.existsSync(path.join(ctx.codexHome, 'hooks.json'))) {
        out.push(
          `${path.join(ctx.codexHome, 'hooks.json')} exists too: Codex runs the hooks of both files. If it holds an agent-sandbox hook, every call is checked twice; remove one of them.`,
        );
      }
      return out;
    }
    case 'gemini':
      return [
        'With folder trust on, Gemini CLI reads .gemini/settings.json only in a trusted folder: trust this folder, or the hook and the server are not loaded.',
        '.gemini/settings.json names the launcher on this machine: keep it out of version control.',
      ];
  }
}

/** Plans setting `agent` up (or, with `undo`, removing exactly what the set-up added). Throws SetupFileError for a file it cannot merge. */
export function planAgentSetup(agent: SetupAgent, ctx: SetupContext, undo = false): SetupPlan {
  const root = setupRoot(agent, ctx);
  const files = setupFiles(agent, ctx);
  const steps = transforms(agent, ctx, undo);
  const edits: FileEdit[] = [];
  files.forEach((file, i) => {
    const before = readSettingsFile(file, root);
    const after = steps[i]!(before, file);
    if (after !== before) edits.push({ path: file, before, after });
  });
  if (!undo) assertHooksNotSwitchedOff(agent, ctx);
  return { agent, undo, edits, warnings: warnings(agent, ctx, undo), root };
}

/** An agent's own folder in the workspace that holds nothing more once our file is gone (the set-up made it). */
const AGENT_FOLDERS = new Set(['.claude', '.gemini']);

function removeEmptyAgentFolder(dir: string): void {
  if (!AGENT_FOLDERS.has(path.basename(dir))) return;
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty (the person's own files are there), or already gone: it stays as it is.
  }
}

/** Makes the missing folders from `root` down to `dir` one at a time, refusing a link met on the way. */
function makeFoldersBelow(root: string, dir: string): void {
  fs.mkdirSync(root, { recursive: true }); // Codex's home may not exist yet; its own path is trusted
  let at = root;
  for (const name of path.relative(root, dir).split(path.sep).filter(Boolean)) {
    at = path.join(at, name);
    try {
      fs.mkdirSync(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = fs.lstatSync(at);
    if (!st.isDirectory())
      throw new SetupFileError(
        `${at} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; the set-up writes only through real folders. Nothing more was written.`,
      );
  }
}

export class StalePlanError extends Error {
  override readonly name = 'StalePlanError';
}

/**
 * Writes a plan's edits. Each file must still hold what the plan was made from (someone may
 * have edited it while the diff was shown); otherwise nothing more is written and the error
 * says to plan again. Files are replaced in one step, keeping their mode.
 */
export function applySetupPlan(plan: SetupPlan): void {
  for (const edit of plan.edits) {
    if (readSettingsFile(edit.path, plan.root) !== edit.before) {
      throw new StalePlanError(
        `${edit.path} changed since the set-up was planned; nothing more was written. Run the set-up again to see the new diff.`,
      );
    }
  }
  for (const edit of plan.edits) {
    // Checked again right before each write: a folder may have been replaced by a link since the plan.
    assertNoLinkBetween(plan.root, edit.path);
    if (edit.after === undefined) {
      fs.rmSync(edit.path, { force: true });
      removeEmptyAgentFolder(path.dirname(edit.path));
      continue;
    }
    makeFoldersBelow(plan.root, path.dirname(edit.path));
    replaceFileSync(edit.path, edit.after, edit.before === undefined ? 0o644 : fs.statSync(edit.path).mode & 0o777);
  }
}
