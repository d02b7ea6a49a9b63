/**
 * The `agent-sandbox` command. Every command works on the current folder's sandbox unless
 * `--workspace DIR` names another. Errors go to stderr with a non-zero exit code and say
 * what to do; nothing ever runs on the host in place of the sandbox.
 */
import { describeError, SandboxError } from '../core/errors';
import { UsageError } from './args';
import { COMMANDS } from './commands';
import type { CliIO } from './context';

const USAGE = `Usage: agent-sandbox [--workspace DIR] COMMAND [ARGS]

Commands:
  start                         start (or reuse) the workspace's sandbox and print its id
  prepare [--watch]             make the workspace's copy ahead of the next start (--watch: keep
                                it current until interrupted; prepare --help for more)
  run [--timeout SEC] -- CMD [ARG...]
                                run a command in the sandbox; exits with its exit code (124 on timeout)
  changes [--json]              list the pending changes
  diff [PATH...]                print a unified diff of the pending changes
  apply (--all | PATH[#HUNK[,HUNK]]...) [--include-risky] [--on-conflict=keep-theirs|take-sandbox|markers]
                                write approved changes to the real workspace
  discard (--all | PATH...)     throw pending changes away
  undo                          revert the last apply
  status [--json]               show the sandbox's state
  stop                          stop the sandbox (pending changes are kept)
  reset                         throw the copy away and start fresh
  remove [--force]              remove the sandbox completely (container, volume, copy, state);
                                refuses while changes are pending unless --force (remove --help)
  gc [--orphans]                remove what crashed runs left behind (--orphans: also sessions of
                                workspace folders that are gone)
  audit [--json]                print the session's audit log, newest first (--json: the raw records, oldest first)
  mcp [--start]                 serve the sandbox's tools over MCP on stdio (--start: start the sandbox first)
  hook claude|vscode|copilot|gemini [--ask] [--allow-host-edits] [--allow-tools A,B]
                                answer an agent's pre-tool-use hook on stdin: shell calls are
                                rewritten to run in the sandbox, file edits on the host denied
  hook-config claude|vscode|copilot|gemini...
                                write the agents' hook configuration into the workspace
  setup claude|codex|gemini [--undo] [--dry-run]
                                set an agent up with the hook and the MCP server in its own files,
                                printing the diff first (--undo removes it; setup --help for more)
  run-pending ID                run a shell command the hook stored, in the sandbox (once)
  tools install claude|codex|NPM-SPEC [--registry URL]
                                install an agent CLI into your tools volume (npm runs in a
                                hardened container through the proxy's npm preset); every
                                sandbox has it on PATH, read-only
  runtime setup gvisor          register gVisor's runsc with the local engine as the sandbox
                                needs it (runtime --help for more)
`;

function extractWorkspace(argv: string[]): { workspace: string; argv: string[] } {
  const out: string[] = [];
  let workspace = process.cwd();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg === '--workspace') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError('--workspace needs a folder');
      workspace = value;
    } else if (arg.startsWith('--workspace=')) {
      workspace = arg.slice('--workspace='.length);
    } else out.push(arg);
  }
  return { workspace, argv: out };
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  try {
    const { workspace, argv: rest } = extractWorkspace(argv);
    const [name, ...args] = rest;
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      io.out(USAGE);
      return name ? 0 : 2;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}"`);
    return await command({ workspace, args, io });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`agent-sandbox: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`agent-sandbox: ${describeError(err)}\n`);
    if (!(err instanceof SandboxError) && process.env.AGENT_SANDBOX_DEBUG) io.err(`${(err as Error).stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  const io: CliIO = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    stdout: (b) => process.stdout.write(b),
    stderr: (b) => process.stderr.write(b),
  };
  void main(process.argv.slice(2), io).then((code) => {
    // Exit explicitly once output is flushed: a request to a hung engine must not keep
    // the process alive after the error has been reported.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}
