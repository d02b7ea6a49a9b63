/**
 * Every shell script the host runs inside a session's container, in one place, so that what
 * runs there as the sandbox user can be read (and reviewed) together.
 *
 * Each script runs as `/bin/sh -c SCRIPT NAME ARG...` (see SandboxSession.helper): NAME is
 * its `$0`, shown in the container's process list, and its inputs are the positional
 * parameters `$1`, `$2`..., never spliced into the script's text.
 */
import { SANDBOX_BASE_MOUNT, SANDBOX_WORKDIR } from '../engine/hardening';

/** A script and the name it runs under (its `$0`). */
export interface SandboxScript {
  readonly name: string;
  readonly text: string;
}

/** Makes the sandbox side of one path ($1) equal to the base again, from inside the sandbox. */
export const REVERT_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-revert',
  text: [
    'set -e',
    `src="${SANDBOX_BASE_MOUNT}/$1"; dst="${SANDBOX_WORKDIR}/$1"`,
    'rm -rf -- "$dst"',
    'if [ -e "$src" ] || [ -L "$src" ]; then mkdir -p -- "$(dirname -- "$dst")"; cp -PRp -- "$src" "$dst"; fi',
  ].join('\n'),
};

/** The last pair of a whole listing (see LIST_SCRIPT). */
export const LIST_END = 'agent-sandbox-listing-end';

/**
 * Lists directories of the merged view: reads NUL-separated paths on stdin, prints dir\0name\0
 * pairs, and a last pair with an empty folder and an end mark only when every listing worked,
 * so that an answer cut short is told apart from a folder whose entries are gone.
 */
export const LIST_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-list',
  text: `cd ${SANDBOX_WORKDIR} && xargs -0 -r sh -c 'find "$@" -mindepth 1 -maxdepth 1 -printf "%h\\0%f\\0"' sh && printf '\\0%s\\0' ${LIST_END}`,
};

/** Prints the container's memory events (cgroup v2, or v1's OOM control), to count OOM kills. */
export const OOM_EVENTS_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-oom-events',
  text: 'cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null',
};

/** Exit codes of the file tools' scripts, one per reason a path cannot be read or written. */
export const FILE_EXIT = {
  missing: 2,
  symlink: 3,
  notDirectory: 4,
  isDirectory: 5,
  tooLarge: 6,
  notRegular: 7,
} as const;

/**
 * Walks the path ($1) one segment at a time from the workspace root and stops at the first
 * symlink or non-directory on the way, leaving the full path in $p.
 */
const WALK = [
  `p=${SANDBOX_WORKDIR}; rest=$1`,
  'while [ -n "$rest" ]; do',
  '  case $rest in */*) c=${rest%%/*}; rest=${rest#*/};; *) c=$rest; rest=;; esac',
  '  p=$p/$c',
  `  if [ -L "$p" ]; then printf '%s' "\${p#${SANDBOX_WORKDIR}/}" >&2; exit ${FILE_EXIT.symlink}; fi`,
  `  if [ -n "$rest" ] && [ -e "$p" ] && [ ! -d "$p" ]; then printf '%s' "\${p#${SANDBOX_WORKDIR}/}" >&2; exit ${FILE_EXIT.notDirectory}; fi`,
  'done',
].join('\n');

/** Prints a regular file ($1) of at most $2 bytes. */
export const READ_FILE_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-read',
  text: [
    WALK,
    `[ -e "$p" ] || exit ${FILE_EXIT.missing}`,
    `[ -d "$p" ] && exit ${FILE_EXIT.isDirectory}`,
    // A FIFO, socket or device would block the read or never end; only regular files are read.
    `[ -f "$p" ] || exit ${FILE_EXIT.notRegular}`,
    'size=$(wc -c < "$p") || exit 1',
    `[ "$size" -gt "$2" ] && { printf '%s' "$size" >&2; exit ${FILE_EXIT.tooLarge}; }`,
    // At most the size just checked: a file that grows meanwhile is cut there, not read on.
    'exec head -c "$size" -- "$p"',
  ].join('\n'),
};

/** Writes standard input to a file ($1), making its folders. */
export const WRITE_FILE_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-write',
  text: [
    WALK,
    `[ -d "$p" ] && exit ${FILE_EXIT.isDirectory}`,
    'mkdir -p -- "$(dirname -- "$p")" || exit 1',
    // Writing into the existing file keeps its mode; a new file gets the umask's.
    'exec cat > "$p"',
  ].join('\n'),
};

/** Exits 0 when the copy has something (a file, folder or link) at $1. */
export const EXISTS_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-exists',
  text: `[ -e "${SANDBOX_WORKDIR}/$1" ] || [ -L "${SANDBOX_WORKDIR}/$1" ]`,
};

/** Exits 0 when the program $1 is on the sandbox user's PATH. */
export const WHICH_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-which',
  text: 'command -v -- "$1" >/dev/null 2>&1',
};

/**
 * Runs an agent's command line ($2) with `sh -c` in a folder ($1) of the workspace, for the
 * run_command tool's `cwd`: both are arguments, nothing is spliced into the script.
 */
export const IN_FOLDER_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-cd',
  text: 'cd -- "$1" || exit 126; exec /bin/sh -c "$2"',
};

/** The terminal's shell: bash without rc files (so its prompt holds), or sh where there is no bash. */
export const TERMINAL_SHELL_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-terminal',
  text: 'if command -v bash >/dev/null 2>&1; then exec bash --norc -i; fi; exec sh -i',
};

/** Kills every process that carries a terminal's marker ($1): the shell and all it started. */
export const KILL_MARKED_SCRIPT: SandboxScript = {
  name: 'agent-sandbox-terminal-kill',
  text: [
    'all=""',
    'for e in /proc/[0-9]*/environ; do',
    '  p=${e#/proc/}; p=${p%/environ}',
    '  if tr "\\0" "\\n" < "$e" 2>/dev/null | grep -qx "AGENT_SANDBOX_TERMINAL=$1"; then all="$all $p"; fi',
    'done',
    'if [ -n "$all" ]; then kill -KILL $all 2>/dev/null; fi',
    'true',
  ].join('\n'),
};
