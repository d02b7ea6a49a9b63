/**
 * The overlay scan's listing of folders of the merged view, asked of the container (see
 * LIST_SCRIPT), and the strict reading of its answer.
 */
import type { HelperOptions, HelperResult } from '../engine/exec';
import { SandboxError } from '../errors';
import { LIST_END, LIST_SCRIPT, type SandboxScript } from './scripts';

/** The listing follows the number of entries in the folders asked about, which can be large. */
const LIST_OUTPUT_CAP_BYTES = 256 * 1024 * 1024;

/** Runs a script in the session's container (SandboxSession.helper). */
export type RunScript = (script: SandboxScript, args: readonly string[], stdin?: Buffer, options?: HelperOptions) => Promise<HelperResult>;

export async function listMerged(helper: RunScript, dirs: readonly string[]): Promise<Map<string, Set<string>>> {
  const input = Buffer.concat(dirs.flatMap((d) => [Buffer.from('./'), Buffer.from(d, 'latin1'), Buffer.from([0])]));
  const { exitCode, stdout, stderr } = await helper(LIST_SCRIPT, [], input, {
    outputCapBytes: LIST_OUTPUT_CAP_BYTES,
    purpose: "list the sandbox's folders for the change scan",
  });
  return parseMergedListing(dirs, exitCode, stdout, stderr);
}

/**
 * Reads the listing, refusing anything but a whole, well-formed answer: a missing name would
 * otherwise be reported as deleted in the sandbox.
 */
function parseMergedListing(dirs: readonly string[], exitCode: number, stdout: Buffer, stderr: Buffer): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>(dirs.map((d) => [d, new Set<string>()]));
  const parts = stdout.toString('latin1').split('\0');
  // Pairs, then the end pair ('' and the mark), then the empty rest after the last NUL.
  const whole =
    exitCode === 0 &&
    parts.length % 2 === 1 &&
    parts[parts.length - 1] === '' &&
    parts[parts.length - 2] === LIST_END &&
    parts[parts.length - 3] === '';
  if (!whole) {
    const detail = stderr.toString('utf8').trim().slice(0, 300);
    if (/No such file or directory|Not a directory/.test(detail)) {
      // A folder went away between the walk and the listing: the scan starts over.
      throw Object.assign(new Error(`a folder changed during the scan (${detail})`), { code: 'ENOENT' });
    }
    throw new SandboxError(
      'HELPER_BLOCKED',
      `The sandbox's listing of its folders for the change scan came back incomplete (exit ${exitCode}${detail ? `: ${detail}` : ''}); no changes are shown rather than wrong ones. A process in the sandbox may be interfering with Agent Sandbox's own helper, or a folder is unreadable.`,
      'Make the folders of the workspace readable again and stop processes that interfere (or stop and start the sandbox: `agent-sandbox stop`, or reset it with "Reset Sandbox" / `agent-sandbox reset`), then look at the changes again.',
    );
  }
  for (let i = 0; i + 3 < parts.length; i += 2) {
    const dir = parts[i]!.replace(/^\.\//, '');
    const names = result.get(dir);
    if (!names) {
      throw new SandboxError(
        'HELPER_BLOCKED',
        "The sandbox's listing of its folders for the change scan named a folder it was not asked about; no changes are shown rather than wrong ones. A process in the sandbox is most likely interfering with Agent Sandbox's own helper.",
        'Stop the process that interferes (or stop and start the sandbox: `agent-sandbox stop`, or reset it with "Reset Sandbox" / `agent-sandbox reset`), then look at the changes again.',
      );
    }
    names.add(parts[i + 1]!);
  }
  return result;
}
