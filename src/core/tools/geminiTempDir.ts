/**
 * Gemini CLI's project temp folder, `~/.gemini/tmp/<project>/`: the one folder outside the
 * workspace whose files its read_file accepts (it checks a path against the workspace folders
 * and this folder, after resolving links). The hook materializes the sandbox copy's files in
 * a private folder inside it, so that a rewritten read_file reads the copy.
 *
 * How Gemini CLI 0.61 names <project>: a short name kept in `~/.gemini/projects.json`
 * (`{ "projects": { "<project root>": "<short name>" } }`, a slug of the folder's name),
 * and it writes the project root into `<project temp folder>/.project_root` to claim the
 * name. The hook input's `transcript_path` is the session's chat file,
 * `<project temp folder>/chats/session-….json`, and `cwd` is the project root.
 *
 * The folder is found from `transcript_path` first, then from projects.json, and used only
 * when its `.project_root` names `cwd`: then it is Gemini's own folder for this project, not
 * a path the input merely points at. It must be a real folder of this user, not a link.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Our own folder inside Gemini's project temp folder. */
export const GEMINI_READS_DIR_NAME = 'agent-sandbox-reads';

const MARKER = '.project_root';
/** A marker or registry larger than this is not Gemini's. */
const MAX_SMALL_FILE = 1024 * 1024;

/** A small regular file's text, read without following a link or blocking; undefined otherwise. */
function readSmallFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_SMALL_FILE) return undefined;
    const buf = Buffer.alloc(st.size);
    const n = fs.readSync(fd, buf, 0, st.size, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** True when `dir` is a real folder (not a link) of this user. */
function isOwnFolder(dir: string): boolean {
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() && (typeof process.getuid !== 'function' || st.uid === process.getuid());
  } catch {
    return false;
  }
}

/** `candidate` when it is Gemini's project temp folder for `projectRoot`. */
function claimedBy(candidate: string, projectRoot: string): string | undefined {
  if (!isOwnFolder(candidate)) return undefined;
  const owner = readSmallFile(path.join(candidate, MARKER))?.trim();
  return owner !== undefined && path.resolve(owner) === projectRoot ? candidate : undefined;
}

/** The candidate from projects.json under `geminiDir`, or undefined. */
function fromRegistry(geminiDir: string, projectRoot: string): string | undefined {
  const text = readSmallFile(path.join(geminiDir, 'projects.json'));
  if (text === undefined) return undefined;
  try {
    const projects = (JSON.parse(text) as { projects?: Record<string, unknown> }).projects;
    const short = projects && Object.prototype.hasOwnProperty.call(projects, projectRoot) ? projects[projectRoot] : undefined;
    if (typeof short !== 'string' || !short || short.includes('/') || short.includes('\0') || short === '.' || short === '..')
      return undefined;
    return path.join(geminiDir, 'tmp', short);
  } catch {
    return undefined;
  }
}

/**
 * Gemini's project temp folder for the hook input's `cwd` and `transcript_path`, or
 * undefined when it cannot be established. `home` is the person's home folder.
 */
export function geminiProjectTempDir(
  cwd: string | undefined,
  transcriptPath: string | undefined,
  home: string = os.homedir(),
): string | undefined {
  if (!cwd || cwd.includes('\0') || !path.isAbsolute(cwd)) return undefined;
  const projectRoot = path.resolve(cwd);
  if (
    transcriptPath &&
    !transcriptPath.includes('\0') &&
    path.isAbsolute(transcriptPath) &&
    path.basename(path.dirname(transcriptPath)) === 'chats'
  ) {
    const found = claimedBy(path.dirname(path.dirname(transcriptPath)), projectRoot);
    if (found) return found;
  }
  if (!home) return undefined;
  const candidate = fromRegistry(path.join(home, '.gemini'), projectRoot);
  return candidate ? claimedBy(candidate, projectRoot) : undefined;
}

/** The private folder for materialized reads inside Gemini's project temp folder. */
export function geminiReadsDir(projectTempDir: string): string {
  return path.join(projectTempDir, GEMINI_READS_DIR_NAME);
}
