/**
 * The sandbox's tools, over a session and its airlock. One implementation serves the VS Code
 * language model tools and the MCP server; each surface only adapts the result. Every call
 * fails closed (no session, no tool) and reports problems as a result the model can read,
 * never as a crash of the caller.
 */
import type { z } from 'zod';
import type { Airlock } from '../airlock';
import { appendAudit } from '../audit';
import { describeError, SandboxError } from '../errors';
import { IN_FOLDER_SCRIPT } from '../session/scripts';
import type { SandboxSession } from '../session/session';
import {
  EditFileInput,
  ListChangesInput,
  ReadFileInput,
  ReviewFeedbackInput,
  RunCommandInput,
  toolDefinition,
  WriteFileInput,
  type ToolName,
} from './definitions';
import { describeFeedback, FeedbackDelivery, reconcileRejections } from './feedback';
import { describeChanges } from './changesText';
import { describeRun, MODEL_OUTPUT_CAP, NOT_APPLIED_REMINDER } from './results';
import { existsInSandbox, readSandboxFile, writeSandboxFile } from './sandboxFiles';
import { sandboxRelativePath } from './sandboxPath';

/** Where the tools get their session and airlock; both fail closed when the sandbox is down. */
export interface ToolHost {
  getSession(): Promise<SandboxSession>;
  getAirlock(): Promise<Airlock>;
}

export interface ToolOutcome {
  readonly text: string;
  readonly isError: boolean;
  /** Paths of the sandbox copy the call changed. */
  readonly changedFiles: readonly string[];
}

export interface InvokeOptions {
  readonly signal?: AbortSignal;
}

function errorOutcome(text: string): ToolOutcome {
  return { text: `Error: ${text}`, isError: true, changedFiles: [] };
}

/** Validates a tool input; the message names each bad field and what it should be. */
export function parseToolInput<S extends z.ZodType>(
  name: string,
  schema: S,
  raw: unknown,
): { ok: true; value: z.infer<S> } | { ok: false; message: string } {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`);
  return {
    ok: false,
    message: `Invalid input for ${name}: ${problems.join('; ')}. Fix the input to match the tool's schema and call it again.`,
  };
}

/** Runs one tool call. Never throws for a bad input or a sandbox problem: those are error results. */
export async function invokeTool(host: ToolHost, name: string, rawInput: unknown, options: InvokeOptions = {}): Promise<ToolOutcome> {
  const def = toolDefinition(name);
  if (!def) return errorOutcome(`There is no sandbox tool named ${JSON.stringify(name)}.`);
  const parsed = parseToolInput(def.name, def.input, rawInput);
  if (!parsed.ok) return errorOutcome(parsed.message);
  try {
    const session = await host.getSession();
    const airlock = await host.getAirlock();
    if (def.name === 'review_feedback') return await reviewFeedback(session, airlock, parsed.value as z.infer<typeof ReviewFeedbackInput>);
    const prelude = await newFeedbackPrelude(session, airlock);
    const outcome = await runTool(def.name, session, airlock, parsed.value, options);
    return prelude ? { ...outcome, text: `${prelude}\n\n${outcome.text}` } : outcome;
  } catch (err) {
    if (err instanceof SandboxError) return errorOutcome(err.describe());
    return errorOutcome(`${def.name} failed: ${describeError(err)}`);
  }
}

function runTool(
  name: Exclude<ToolName, 'review_feedback'>,
  session: SandboxSession,
  airlock: Airlock,
  input: unknown,
  options: InvokeOptions,
): Promise<ToolOutcome> {
  switch (name) {
    case 'run_command':
      return runCommand(session, input as z.infer<typeof RunCommandInput>, options);
    case 'read_file':
      return readFile(session, input as z.infer<typeof ReadFileInput>);
    case 'write_file':
      return writeFile(session, input as z.infer<typeof WriteFileInput>);
    case 'edit_file':
      return editFile(session, input as z.infer<typeof EditFileInput>);
    case 'list_changes':
      return listChanges(session, airlock, input as z.infer<typeof ListChangesInput>);
  }
}

/** Feedback the agent has not seen yet, after bringing the copy in line with it. */
export async function newFeedbackPrelude(session: SandboxSession, airlock: Airlock): Promise<string | undefined> {
  const items = await airlock.feedback();
  if (!items.length) return undefined;
  const fresh = FeedbackDelivery.forSessionDir(session.dir).takeNew(items);
  if (!fresh.length) return undefined;
  const report = await reconcileRejections(airlock, (rel, content) => writeSandboxFile(session, rel, content));
  return `NEW FEEDBACK FROM REVIEW\n${describeFeedback(fresh, report)}\n(Call review_feedback to read all feedback again.)`;
}

async function reviewFeedback(session: SandboxSession, airlock: Airlock, input: z.infer<typeof ReviewFeedbackInput>): Promise<ToolOutcome> {
  const report = await reconcileRejections(airlock, (rel, content) => writeSandboxFile(session, rel, content));
  const items = await airlock.feedback();
  FeedbackDelivery.forSessionDir(session.dir).takeNew(items);
  let text = describeFeedback(items, report);
  if (input.acknowledge && items.length) {
    await airlock.clearFeedback();
    text += '\nThe feedback is now cleared.';
  }
  const changed = [...report.revertedFiles, ...report.revertedHunks.map((h) => h.path)];
  return { text, isError: false, changedFiles: changed };
}

async function runCommand(session: SandboxSession, input: z.infer<typeof RunCommandInput>, options: InvokeOptions): Promise<ToolOutcome> {
  let argv = ['/bin/sh', '-c', input.command];
  if (input.cwd) {
    const cwd = sandboxRelativePath(input.cwd, session.workspaceRoot, { allowRoot: true });
    // The folder and the command are positional parameters; nothing is spliced into the script.
    if (cwd) argv = ['/bin/sh', '-c', IN_FOLDER_SCRIPT.text, IN_FOLDER_SCRIPT.name, cwd, input.command];
  }
  const result = await session.run(argv, {
    ...(input.timeoutSec ? { timeoutSec: input.timeoutSec } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { text: describeRun(input.command, result), isError: false, changedFiles: result.changedFiles };
}

function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

async function readFile(session: SandboxSession, input: z.infer<typeof ReadFileInput>): Promise<ToolOutcome> {
  const rel = sandboxRelativePath(input.path, session.workspaceRoot);
  const bytes = await readSandboxFile(session, rel);
  if (looksBinary(bytes))
    return { text: `${rel} is a binary file of ${bytes.length} bytes; it is not shown.`, isError: false, changedFiles: [] };
  const lines = bytes.toString('utf8').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const total = lines.length;
  const start = Math.max(1, input.startLine ?? 1);
  const end = Math.min(total, input.endLine ?? total);
  if (bytes.length === 0) return { text: `${rel} is empty.`, isError: false, changedFiles: [] };
  if (start > total) return errorOutcome(`${rel} has ${total} lines; startLine ${start} is past the end.`);
  if (end < start) return errorOutcome(`endLine ${end} is before startLine ${start}.`);
  const out: string[] = [];
  let size = 0;
  let last = start - 1;
  for (let n = start; n <= end; n++) {
    const line = `${n}: ${lines[n - 1]}`;
    if (size + line.length > MODEL_OUTPUT_CAP * 2 && out.length) break;
    out.push(line);
    size += line.length + 1;
    last = n;
  }
  const more = last < end ? `\n[Output capped: lines ${last + 1}-${end} not shown; call read_file again with startLine ${last + 1}.]` : '';
  return { text: `${rel}, lines ${start}-${last} of ${total} (sandbox copy):\n${out.join('\n')}${more}`, isError: false, changedFiles: [] };
}

function auditFileTool(session: SandboxSession, tool: string, rel: string): void {
  appendAudit(session.auditFile, {
    session: session.id,
    event: 'command',
    argv: ['(file tool)', tool, rel],
    exitCode: 0,
    outcome: 'exited',
    changedFiles: [rel],
    detail: 'written through the container by a language model or MCP tool',
  });
}

async function writeFile(session: SandboxSession, input: z.infer<typeof WriteFileInput>): Promise<ToolOutcome> {
  // The agent's writes stop at the disk cap as its commands do (the person's rejections,
  // which write the base back, go on: they are how the copy gets back under it).
  session.refuseIfOverDiskCap();
  const rel = sandboxRelativePath(input.path, session.workspaceRoot);
  const existed = await existsInSandbox(session, rel);
  const bytes = Buffer.from(input.content, 'utf8');
  await writeSandboxFile(session, rel, bytes);
  auditFileTool(session, 'write_file', rel);
  return {
    text: `${existed ? 'Replaced' : 'Created'} ${rel} in the sandbox copy (${bytes.length} bytes).\n${NOT_APPLIED_REMINDER}`,
    isError: false,
    changedFiles: [rel],
  };
}

function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

async function editFile(session: SandboxSession, input: z.infer<typeof EditFileInput>): Promise<ToolOutcome> {
  session.refuseIfOverDiskCap();
  const rel = sandboxRelativePath(input.path, session.workspaceRoot);
  const bytes = await readSandboxFile(session, rel);
  if (looksBinary(bytes)) return errorOutcome(`${rel} is a binary file; edit_file only edits text.`);
  const text = bytes.toString('utf8');
  let { oldText, newText } = input;
  let count = countOccurrences(text, oldText);
  if (count === 0 && text.includes('\r\n') && !oldText.includes('\r\n')) {
    // Models write "\n"; a file with Windows line endings still matches, and keeps them.
    oldText = oldText.replace(/\n/g, '\r\n');
    newText = newText.replace(/\n/g, '\r\n');
    count = countOccurrences(text, oldText);
  }
  if (count === 0)
    return errorOutcome(`oldText was not found in ${rel}. Read the file with read_file and copy the text exactly, whitespace included.`);
  if (count > 1 && !input.replaceAll)
    return errorOutcome(
      `oldText occurs ${count} times in ${rel}. Include more surrounding lines to make it unique, or set replaceAll to true.`,
    );
  const updated = input.replaceAll ? text.split(oldText).join(newText) : text.replace(oldText, () => newText);
  await writeSandboxFile(session, rel, Buffer.from(updated, 'utf8'));
  auditFileTool(session, 'edit_file', rel);
  return {
    text: `Edited ${rel} in the sandbox copy: replaced ${input.replaceAll ? count : 1} occurrence${input.replaceAll && count > 1 ? 's' : ''}.\n${NOT_APPLIED_REMINDER}`,
    isError: false,
    changedFiles: [rel],
  };
}

async function listChanges(session: SandboxSession, airlock: Airlock, input: z.infer<typeof ListChangesInput>): Promise<ToolOutcome> {
  const paths = input.paths?.map((p) => sandboxRelativePath(p, session.workspaceRoot));
  return {
    text: await describeChanges(airlock, { diff: input.diff ?? false, ...(paths ? { paths } : {}) }),
    isError: false,
    changedFiles: [],
  };
}
