/**
 * How tool results read to a model: what happened, in a few plain lines, then the output,
 * trimmed to what a model can use (with the number of dropped bytes), then a reminder that
 * nothing has reached the real workspace yet.
 */
import type { RunResult } from '../session/session';

/** Output kept per stream for a model: the start and the end, the middle is dropped. */
export const MODEL_OUTPUT_CAP = 16 * 1024;

export const NOT_APPLIED_REMINDER =
  'Nothing has reached the real workspace yet: changes stay in the sandbox copy until a person reviews and applies them.';

export interface TrimmedText {
  readonly text: string;
  readonly droppedBytes: number;
}

/** Keeps the first and last halves of `cap` bytes, on UTF-8 character boundaries. */
export function trimMiddle(bytes: Buffer, cap = MODEL_OUTPUT_CAP): TrimmedText {
  if (bytes.length <= cap) return { text: bytes.toString('utf8'), droppedBytes: 0 };
  const head = bytes
    .subarray(0, Math.ceil(cap / 2))
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  const tail = bytes
    .subarray(bytes.length - Math.floor(cap / 2))
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
  const dropped = bytes.length - Buffer.byteLength(head) - Buffer.byteLength(tail);
  return { text: `${head}\n[... ${dropped} bytes dropped ...]\n${tail}`, droppedBytes: dropped };
}

function section(name: string, bytes: Buffer, alreadyDropped: number): string {
  if (bytes.length === 0 && alreadyDropped === 0) return `${name}: (empty)`;
  const { text, droppedBytes } = trimMiddle(bytes);
  const dropped = alreadyDropped + droppedBytes;
  const note = dropped ? ` (truncated: ${dropped} bytes dropped)` : '';
  return `${name}${note}:\n${text.endsWith('\n') ? text : `${text}\n`}`.trimEnd();
}

/** The result of run_command, for a model. */
export function describeRun(command: string, result: RunResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  const how =
    result.outcome === 'exited'
      ? `exited with code ${result.exitCode}`
      : result.outcome === 'timeout'
        ? `timed out and was killed (exit code ${result.exitCode})`
        : result.outcome === 'oom'
          ? `ran out of memory and was killed (exit code ${result.exitCode})`
          : `was ${result.outcome} (exit code ${result.exitCode})`;
  const lines = [`The command ${JSON.stringify(command)} ${how} after ${seconds} s in the sandbox.`];
  if (result.message) lines.push(result.message);
  lines.push(
    result.changedFiles.length
      ? `Files changed in the sandbox copy (${result.changedFiles.length}): ${listPaths(result.changedFiles)}`
      : 'No files changed in the sandbox copy.',
  );
  // The session's own cap drops from the middle of the combined budget; it reports one count.
  lines.push(section('stdout', result.stdout, result.droppedBytes), section('stderr', result.stderr, 0));
  lines.push(NOT_APPLIED_REMINDER);
  return lines.join('\n');
}

/** A list of paths, shortened past a count a model needs. */
export function listPaths(paths: readonly string[], max = 50): string {
  const shown = paths.slice(0, max).join(', ');
  return paths.length > max ? `${shown}, and ${paths.length - max} more` : shown;
}
