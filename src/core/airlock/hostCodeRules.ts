/**
 * Files that run code on the host later without anyone asking them to: a tool loads them when
 * you commit, install, build, test, open the folder or start a shell. A change to one of them
 * is held back from "approve all", like the policy's risky patterns; unlike those, this list is
 * built in, so no setting can take an entry off it. The policy's `risky` list is what a person
 * adds to it.
 *
 * Two kinds of rule: path patterns (gitignore rules, see glob.ts; letter case is ignored, as a
 * case-insensitive file system would), each with its reason in plain words, and structural
 * rules, which recognise what a file is from its name or its first bytes wherever it lives.
 * Decisions:
 * - A folder named `hooks` counts at the root (where `core.hooksPath` usually points) and
 *   under a name that says git (`.githooks`, `git-hooks`) or a dot (`.hooks`) anywhere;
 *   `src/hooks/` is where React keeps its hooks, and flagging it would hold back ordinary code.
 * - A script whose name says config, rc or setup (`vite.config.ts`, `.eslintrc.cjs`,
 *   `jest.setup.js`, `setupTests.ts`) is flagged at any depth: test runners, bundlers and
 *   linters find and run such files in every package of a repository.
 * - A dot file whose name ends in rc, profile, login, logout, env or init (`.bashrc`,
 *   `.zlogin`, `.gdbinit`, `.irbrc`) is a run-control file: the program it belongs to reads it
 *   on start, and many of them run what it says.
 * - A new file that starts with `#!` is a script a person may well run.
 * - `__init__.py` is not flagged: it runs when its package is imported, like every other module
 *   of that package, so it is no more a host hook than the rest of the code under review.
 * - Agent configuration is code on the host: the coding agents a person runs outside the
 *   sandbox load hooks and MCP servers (commands they start), permissions, and commands,
 *   skills and instructions they follow, from the folder. Instruction files (`AGENTS.md`,
 *   `CLAUDE.md`, `GEMINI.md`) count at any depth, since agents read the nested ones too; a
 *   change to one is a prompt injection that outlives the session.
 * - The files where the sandbox's own hook is configured come first, with their own reason:
 *   a change there (or `disableAllHooks` in `.claude/settings.json`) can switch the hook off,
 *   and the agent's next commands would run on the host. The list follows `hookConfigPath`.
 * - A file that selects a runtime (`.python-version`, `.nvmrc`, `.node-version`) is flagged
 *   like `.tool-versions`: version managers download and run what it names.
 * - `.vscode/` is built in rather than left to the policy: its tasks run when the folder
 *   opens, its settings name the programs the editor runs and where agent hooks are read.
 */
import * as path from 'node:path';
import { compilePatterns } from '../glob';

export interface HostCodePattern {
  /** A gitignore-style pattern. */
  readonly pattern: string;
  /** Why a change there can run code on the host, in plain words. */
  readonly reason: string;
}

/** What the structural rules look at. */
export interface HostCodeSubject {
  readonly path: string;
  readonly isDirectory: boolean;
  /** True when the file is new in the sandbox. */
  readonly added: boolean;
  /** The first bytes of the sandbox side, when it is a file that could be read. */
  readonly head?: Buffer;
}

export interface HostCodeStructure {
  readonly name: string;
  readonly reason: string;
  applies(subject: HostCodeSubject): boolean;
}

const GIT_HOOKS = 'git hooks: git runs them on your machine at commit, merge and push when core.hooksPath points here';
const MSBUILD = 'MSBuild imports it into every build, and it can run any command';
const COMPOSE = 'container definition: building or starting it runs commands and can mount your folders into a container on your engine';
const OWN_HOOK =
  "the sandbox's own hook configuration: a change here can switch off the sandbox's own hook, and the agent's next commands would run on your machine";
const AGENT_CONFIG =
  'agent configuration: agents on your machine load its hooks and MCP servers (commands they start), permissions and instructions';
const AGENT_INSTRUCTIONS =
  'agent instructions: coding agents on your machine follow them in every later session, wherever they sit in the folder';
const COPILOT_INSTRUCTIONS = 'GitHub Copilot instructions, prompts and agents: every later Copilot session in this folder follows them';

/**
 * Where the sandbox's own hook is configured, one per agent it configures (see `hookConfigPath`),
 * and the file that can switch every hook off. Checked before the patterns, whose folder rules
 * would otherwise give these files the folder's reason.
 */
export const SANDBOX_HOOK_FILES: readonly HostCodePattern[] = [
  { pattern: '/.claude/settings.local.json', reason: OWN_HOOK },
  { pattern: '/.claude/settings.json', reason: `${OWN_HOOK} ("disableAllHooks" turns off every hook)` },
  { pattern: '/.github/hooks/agent-sandbox.json', reason: OWN_HOOK },
  { pattern: '/.github/hooks/agent-sandbox-copilot.json', reason: OWN_HOOK },
  { pattern: '/.gemini/settings.json', reason: `${OWN_HOOK} ("hooksConfig.enabled": false turns off every hook)` },
];

export const HOST_CODE_PATTERNS: readonly HostCodePattern[] = [
  // Git hooks and hook managers.
  { pattern: '.githooks/', reason: GIT_HOOKS },
  { pattern: 'githooks/', reason: GIT_HOOKS },
  { pattern: '.git-hooks/', reason: GIT_HOOKS },
  { pattern: 'git-hooks/', reason: GIT_HOOKS },
  { pattern: '.hooks/', reason: GIT_HOOKS },
  { pattern: '/hooks/', reason: GIT_HOOKS },
  { pattern: 'lefthook.y*ml', reason: 'lefthook configuration: the commands it lists run at every commit' },
  { pattern: '.lefthook.y*ml', reason: 'lefthook configuration: the commands it lists run at every commit' },
  { pattern: 'lefthook-local.y*ml', reason: 'lefthook configuration: the commands it lists run at every commit' },
  { pattern: '.lefthook/', reason: 'lefthook scripts: they run at every commit' },
  { pattern: '.overcommit.yml', reason: 'overcommit configuration: the hooks it lists run at every commit' },
  { pattern: '.simple-git-hooks.*', reason: 'simple-git-hooks configuration: the commands it lists run at every commit' },
  { pattern: '.lintstagedrc*', reason: 'lint-staged configuration: the commands it lists run at every commit' },
  // Tool version managers: entering the folder installs and runs what they name.
  { pattern: 'mise.toml', reason: 'mise configuration: its tasks, hooks and environment run when you enter the folder' },
  { pattern: 'mise.*.toml', reason: 'mise configuration: its tasks, hooks and environment run when you enter the folder' },
  { pattern: '.mise.toml', reason: 'mise configuration: its tasks, hooks and environment run when you enter the folder' },
  { pattern: '.mise.*.toml', reason: 'mise configuration: its tasks, hooks and environment run when you enter the folder' },
  { pattern: '.mise/', reason: 'mise configuration and tasks: they run when you enter the folder' },
  { pattern: '**/.config/mise/', reason: 'mise configuration and tasks: they run when you enter the folder' },
  { pattern: '.rtx.toml', reason: 'rtx (mise) configuration: its tasks and environment run when you enter the folder' },
  { pattern: '.tool-versions', reason: 'asdf and mise install and run the tool versions (and plugins) it names' },
  { pattern: 'rust-toolchain', reason: 'names the Rust toolchain rustup downloads and runs for every cargo command' },
  { pattern: 'rust-toolchain.toml', reason: 'names the Rust toolchain rustup downloads and runs for every cargo command' },
  { pattern: '.env*', reason: 'environment file: tools load it into the environment of what they run (NODE_OPTIONS, PATH...)' },
  // Package managers and what they run.
  { pattern: '.pnpmfile.*', reason: 'pnpm runs this file at every install' },
  { pattern: '.yarn/plugins/', reason: 'Yarn plugins: Yarn runs them at every command' },
  { pattern: '.yarn/releases/', reason: 'the Yarn release yarnPath points to: it runs at every yarn command' },
  { pattern: '.yarn/sdks/', reason: 'editor SDKs: your editor runs them for this folder' },
  { pattern: '.pnp.cjs', reason: "Yarn Plug'n'Play loader: node runs it before your code" },
  { pattern: '.pnp.loader.mjs', reason: "Yarn Plug'n'Play loader: node runs it before your code" },
  { pattern: 'node_modules/', reason: 'installed packages: their code runs whenever you run the project' },
  { pattern: '.venv/', reason: 'Python virtual environment: its scripts and packages run whenever you use it' },
  { pattern: 'venv/bin/', reason: 'Python virtual environment scripts: they run whenever you use it' },
  { pattern: '__pypackages__/', reason: 'installed Python packages: their code runs whenever you run the project' },
  { pattern: '.tox/', reason: 'tox environments: their scripts and packages run when tox runs' },
  { pattern: '.nox/', reason: 'nox environments: their scripts and packages run when nox runs' },
  { pattern: '**/gradle/wrapper/', reason: 'Gradle wrapper: gradlew downloads and runs what it names' },
  { pattern: 'mvnw', reason: 'Maven wrapper script: it runs at every build' },
  { pattern: '*.gradle', reason: 'Gradle build script: it runs at every build' },
  { pattern: '*.gradle.kts', reason: 'Gradle build script: it runs at every build' },
  // Python files the interpreter or the test runner loads by itself.
  { pattern: 'conftest.py', reason: 'pytest loads it before the tests' },
  { pattern: 'pytest.ini', reason: 'pytest configuration: it can load plugins and set the options of every run' },
  { pattern: 'tox.ini', reason: 'tox configuration: the commands it lists run when tox runs' },
  { pattern: 'noxfile.py', reason: 'nox runs it' },
  { pattern: 'sitecustomize.py', reason: 'Python runs it at every start' },
  { pattern: 'usercustomize.py', reason: 'Python runs it at every start' },
  { pattern: '*.pth', reason: 'Python runs its import lines at every start when it sits in site-packages' },
  { pattern: '/tasks.py', reason: 'invoke task file: it runs when you run invoke' },
  { pattern: 'fabfile.py', reason: 'Fabric task file: it runs when you run fab' },
  // Agent configuration: hooks, MCP servers, permissions and instructions that agents on the host load.
  {
    pattern: '.claude/',
    reason:
      'Claude Code project settings: its hooks and MCP servers run commands on your machine, its commands, skills and agents carry instructions and shell snippets',
  },
  { pattern: '.mcp.json', reason: 'MCP server list: agents on your machine start the servers it names, and a server is any command' },
  {
    pattern: '.github/hooks/',
    reason: 'agent hooks (VS Code, GitHub Copilot): they run commands on your machine at every tool call of an agent',
  },
  { pattern: '.github/copilot-instructions.md', reason: COPILOT_INSTRUCTIONS },
  { pattern: '.github/instructions/', reason: COPILOT_INSTRUCTIONS },
  { pattern: '.github/prompts/', reason: COPILOT_INSTRUCTIONS },
  { pattern: '.github/chatmodes/', reason: COPILOT_INSTRUCTIONS },
  { pattern: '.github/agents/', reason: COPILOT_INSTRUCTIONS },
  { pattern: '.codex/', reason: 'Codex configuration: the MCP servers it names run on your machine, and it sets what the agent may do' },
  { pattern: '.cursor/', reason: AGENT_CONFIG },
  { pattern: '.cursorrules', reason: AGENT_INSTRUCTIONS },
  { pattern: '.windsurf/', reason: AGENT_CONFIG },
  { pattern: '.windsurfrules', reason: AGENT_INSTRUCTIONS },
  { pattern: '.roo/', reason: AGENT_CONFIG },
  { pattern: '.roomodes', reason: AGENT_CONFIG },
  { pattern: '.clinerules*', reason: AGENT_INSTRUCTIONS },
  { pattern: '.continue/', reason: AGENT_CONFIG },
  { pattern: '.gemini/', reason: AGENT_CONFIG },
  { pattern: '.aider*', reason: 'aider configuration: it names the lint and test commands aider runs, and files it reads as instructions' },
  { pattern: '.amazonq/', reason: AGENT_CONFIG },
  { pattern: '.kiro/', reason: AGENT_CONFIG },
  { pattern: '.junie/', reason: AGENT_CONFIG },
  { pattern: '.opencode/', reason: AGENT_CONFIG },
  { pattern: 'opencode.json', reason: AGENT_CONFIG },
  { pattern: 'opencode.jsonc', reason: AGENT_CONFIG },
  { pattern: '.goosehints', reason: AGENT_INSTRUCTIONS },
  { pattern: 'CLAUDE.md', reason: AGENT_INSTRUCTIONS },
  { pattern: 'CLAUDE.local.md', reason: AGENT_INSTRUCTIONS },
  { pattern: 'AGENTS.md', reason: AGENT_INSTRUCTIONS },
  { pattern: 'AGENT.md', reason: AGENT_INSTRUCTIONS },
  { pattern: 'GEMINI.md', reason: AGENT_INSTRUCTIONS },
  // Git settings a repository carries, and the runtime a folder selects.
  { pattern: '.lfsconfig', reason: 'Git LFS settings: they decide which server gets your git credentials and what LFS fetches' },
  {
    pattern: '.gitconfig',
    reason: 'git settings a project includes (include.path): the hooks path, filters, pager and editor in it are commands git runs',
  },
  {
    pattern: '.clangd',
    reason: 'clangd configuration: it sets the compile flags and the compiler clangd runs when your editor opens a file here',
  },
  { pattern: '.python-version', reason: 'pyenv and uv pick the Python interpreter it names for every python command here' },
  {
    pattern: '.nvmrc',
    reason: 'nvm, fnm and other version managers select (and may download) the Node.js it names for every node command here',
  },
  {
    pattern: '.node-version',
    reason: 'fnm, nodenv and other version managers select (and may download) the Node.js it names for every node command here',
  },
  { pattern: '.ruby-version', reason: 'rbenv, chruby and rvm pick the Ruby it names for every ruby command here' },
  // Editors and IDEs that run project files when the folder is opened.
  {
    pattern: '.vscode/',
    reason:
      'VS Code workspace settings: tasks that run when the folder opens, programs the editor runs, MCP servers and where agent hooks are read',
  },
  { pattern: '.nvim.lua', reason: 'Neovim runs it when you open the folder (exrc)' },
  { pattern: '.nvimrc', reason: 'Vim and Neovim run it when you open the folder (exrc)' },
  { pattern: '.exrc', reason: 'Vim and Neovim run it when you open the folder (exrc)' },
  { pattern: '.lvimrc', reason: 'the localvimrc plugin runs it when you open a file here' },
  { pattern: '.dir-locals.el', reason: 'Emacs evaluates it when you visit a file here' },
  { pattern: '.dir-locals-2.el', reason: 'Emacs evaluates it when you visit a file here' },
  { pattern: '.idea/', reason: 'JetBrains project settings: run configurations, external tools and startup tasks' },
  { pattern: '.fleet/', reason: 'Fleet project settings: run configurations and tasks' },
  { pattern: '.zed/', reason: 'Zed project settings: tasks and language server commands' },
  { pattern: '.theia/', reason: 'Theia project settings: tasks and launch configurations' },
  { pattern: '*.sublime-project', reason: 'Sublime Text project: its build systems run commands' },
  { pattern: '.storybook/', reason: 'Storybook runs its configuration files' },
  // .NET builds.
  { pattern: 'Directory.Build.props', reason: MSBUILD },
  { pattern: 'Directory.Build.targets', reason: MSBUILD },
  { pattern: 'Directory.Build.rsp', reason: MSBUILD },
  { pattern: 'Directory.Packages.props', reason: MSBUILD },
  { pattern: '*.props', reason: MSBUILD },
  { pattern: '*.targets', reason: MSBUILD },
  { pattern: '*.csproj', reason: MSBUILD },
  { pattern: '*.fsproj', reason: MSBUILD },
  { pattern: '*.vbproj', reason: MSBUILD },
  { pattern: '*.proj', reason: MSBUILD },
  // Containers, machines and environments built from the workspace.
  { pattern: '[Dd]ockerfile*', reason: COMPOSE },
  { pattern: '*.[Dd]ockerfile', reason: COMPOSE },
  { pattern: 'Containerfile*', reason: COMPOSE },
  { pattern: 'docker-compose*.y*ml', reason: COMPOSE },
  { pattern: 'compose*.y*ml', reason: COMPOSE },
  { pattern: 'Vagrantfile', reason: 'Vagrant runs it as Ruby' },
  { pattern: 'Tiltfile', reason: 'Tilt runs it' },
  { pattern: 'Earthfile', reason: 'Earthly runs its commands' },
  { pattern: 'flake.nix', reason: 'Nix evaluates it and builds what it says when you enter the shell' },
  { pattern: 'shell.nix', reason: 'Nix evaluates it and builds what it says when you enter the shell' },
  { pattern: 'default.nix', reason: 'Nix evaluates it and builds what it says' },
  { pattern: 'devenv.nix', reason: 'devenv evaluates it when you enter the folder' },
  { pattern: 'devenv.yaml', reason: 'devenv configuration: it names what runs when you enter the folder' },
  { pattern: 'devbox.json', reason: 'devbox configuration: its scripts and init hook run in your shell' },
  // Build systems and task runners.
  { pattern: 'gulpfile.*', reason: 'gulp runs it' },
  { pattern: '[Gg]runtfile.*', reason: 'Grunt runs it' },
  { pattern: 'Jakefile*', reason: 'Jake runs it' },
  { pattern: 'deno.json', reason: 'Deno configuration: its tasks run commands' },
  { pattern: 'deno.jsonc', reason: 'Deno configuration: its tasks run commands' },
  { pattern: 'turbo.json', reason: 'Turborepo configuration: it decides which commands run' },
  { pattern: 'nx.json', reason: 'Nx configuration: it decides which commands and plugins run' },
  { pattern: 'BUILD.bazel', reason: 'Bazel build file: its rules run at every build' },
  { pattern: 'WORKSPACE', reason: 'Bazel workspace: it fetches and runs repository rules' },
  { pattern: 'WORKSPACE.bazel', reason: 'Bazel workspace: it fetches and runs repository rules' },
  { pattern: 'MODULE.bazel', reason: 'Bazel module: it fetches and runs repository rules' },
  { pattern: '*.bzl', reason: 'Bazel extension: it runs at every build' },
  { pattern: 'meson.build', reason: 'Meson build file: it runs commands at every build' },
  { pattern: 'SConstruct', reason: 'SCons runs it as Python' },
  { pattern: 'SConscript', reason: 'SCons runs it as Python' },
  { pattern: 'build.xml', reason: 'Ant build file: it runs commands at every build' },
  { pattern: 'build.sbt', reason: 'sbt build definition: it runs as Scala at every build' },
  { pattern: '*.gemspec', reason: 'Ruby runs it when the gem is built or bundled' },
  { pattern: 'Podfile', reason: 'CocoaPods runs it as Ruby' },
  { pattern: 'Brewfile', reason: 'Homebrew Bundle runs it as Ruby' },
  { pattern: 'Guardfile', reason: 'Guard runs it as Ruby' },
  { pattern: 'Capfile', reason: 'Capistrano runs it as Ruby' },
  { pattern: 'Dangerfile*', reason: 'Danger runs it' },
  { pattern: 'Fastfile', reason: 'fastlane runs it as Ruby' },
  { pattern: 'Snakefile', reason: 'Snakemake runs it as Python' },
  { pattern: 'configure', reason: 'configure script: it runs at every build from source' },
  { pattern: 'configure.ac', reason: 'autoconf input: it becomes the configure script' },
  { pattern: 'Makefile.am', reason: 'automake input: it becomes the Makefile' },
  { pattern: 'Makefile.in', reason: 'Makefile template: it becomes the Makefile' },
  { pattern: '*.cmake', reason: 'CMake script: it runs at every configure' },
  { pattern: 'Package.swift', reason: 'Swift package manifest: it runs as Swift when the package resolves' },
  { pattern: 'build.zig', reason: 'Zig build script: it runs at every build' },
  { pattern: 'mix.exs', reason: 'Mix project: it runs as Elixir at every build' },
  { pattern: 'Setup.hs', reason: 'Cabal setup script: it runs at every build' },
  { pattern: 'Makefile.PL', reason: 'Perl build script: it runs at every build' },
  { pattern: 'Build.PL', reason: 'Perl build script: it runs at every build' },
  { pattern: 'go.work', reason: 'Go workspace: it decides which module code builds and runs' },
  // Shells and interactive programs that read files on start.
  { pattern: '.bash_login', reason: 'shell start-up file: the shell runs it' },
  { pattern: '.bash_logout', reason: 'shell start-up file: the shell runs it' },
  { pattern: '.zlogin', reason: 'shell start-up file: the shell runs it' },
  { pattern: '.zlogout', reason: 'shell start-up file: the shell runs it' },
  { pattern: '.kshrc', reason: 'shell start-up file: the shell runs it' },
  { pattern: '.cshrc', reason: 'shell start-up file: the shell runs it' },
  { pattern: '.tcshrc', reason: 'shell start-up file: the shell runs it' },
  { pattern: '.gdbinit', reason: 'gdb runs it on start' },
  { pattern: '.lldbinit', reason: 'lldb runs it on start' },
  { pattern: '.Rprofile', reason: 'R runs it on start' },
  { pattern: '.irbrc', reason: 'irb runs it on start' },
  { pattern: '.pryrc', reason: 'pry runs it on start' },
  { pattern: '.pythonrc.py', reason: 'Python runs it on an interactive start' },
];

/** Extensions of scripts that tools load as code. */
const SCRIPT_EXT = /\.(js|cjs|mjs|ts|cts|mts)$/i;
/** A stem that says config, rc or setup: `vite.config`, `.eslintrc`, `jest.setup`, `setupTests`. */
const CONFIG_STEM = /(^|[._-])(config|conf|rc|setup)([._-]|$)|^\.[\w-]*rc$|^setup/i;
const RUN_CONTROL = /^\.[\w.-]*(rc|profile|login|logout|env|init)$/i;

export const HOST_CODE_STRUCTURES: readonly HostCodeStructure[] = [
  {
    name: 'configScript',
    reason: 'a script named as configuration: build, test and lint tools find it and run it',
    applies: (s) => {
      const name = path.posix.basename(s.path);
      return !s.isDirectory && SCRIPT_EXT.test(name) && CONFIG_STEM.test(name.replace(SCRIPT_EXT, ''));
    },
  },
  {
    // A pattern would also match every file of a `build/` folder: letter case is ignored there.
    name: 'bazelBuildFile',
    reason: 'Bazel build file: its rules run at every build',
    applies: (s) => !s.isDirectory && path.posix.basename(s.path) === 'BUILD',
  },
  {
    name: 'runControlFile',
    reason: 'a run-control file: the program it belongs to reads it on start, and may run what it says',
    applies: (s) => !s.isDirectory && RUN_CONTROL.test(path.posix.basename(s.path)),
  },
  {
    name: 'newScript',
    reason: 'a new script (it starts with #!): check what it does before anyone runs it',
    applies: (s) => s.added && !s.isDirectory && !!s.head && s.head.length >= 2 && s.head[0] === 0x23 && s.head[1] === 0x21,
  },
];

export type HostCodeMatcher = (subject: HostCodeSubject) => string | undefined;

/** Compiles the rules once; the matcher answers with the reason of the first rule that applies. */
export function compileHostCodeRules(): HostCodeMatcher {
  const matchHookFile = compilePatterns(SANDBOX_HOOK_FILES.map((r) => r.pattern));
  const matchPattern = compilePatterns(HOST_CODE_PATTERNS.map((r) => r.pattern));
  const reasons = new Map([...HOST_CODE_PATTERNS, ...SANDBOX_HOOK_FILES].map((r) => [r.pattern, r.reason]));
  return (subject) => {
    const pattern = matchHookFile(subject.path, subject.isDirectory) ?? matchPattern(subject.path, subject.isDirectory);
    if (pattern !== undefined) return reasons.get(pattern);
    return HOST_CODE_STRUCTURES.find((r) => r.applies(subject))?.reason;
  };
}
