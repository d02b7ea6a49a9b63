/**
 * The sandbox's tools as agents see them: one name, description and zod input schema each,
 * shared by the VS Code language model tools, the MCP server and the manifest's static
 * `languageModelTools` (a unit test keeps package.json in step with these schemas).
 */
import { z } from 'zod';

const REMINDER = 'Nothing reaches the real workspace until a person reviews the changes and applies them.';

const relPath = z
  .string()
  .min(1)
  .describe(
    'Path of the file, relative to the workspace root (for example "src/index.ts"). Absolute paths are accepted only under the workspace.',
  );

export const RunCommandInput = z.strictObject({
  command: z.string().min(1).describe('The shell command line to run with /bin/sh -c, for example "npm test" or "grep -rn TODO src".'),
  cwd: z.string().min(1).optional().describe('Folder to run in, relative to the workspace root. Default: the workspace root.'),
  timeoutSec: z
    .number()
    .int()
    .positive()
    .max(3600)
    .optional()
    .describe("Kill the command after this many seconds (exit code 124). Default: the sandbox policy's limit."),
});

export const ReadFileInput = z.strictObject({
  path: relPath,
  startLine: z.number().int().positive().optional().describe('First line to return, 1-based. Default: 1.'),
  endLine: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Last line to return, inclusive. Default: the end of the file (output is capped).'),
});

export const WriteFileInput = z.strictObject({
  path: relPath,
  content: z.string().describe('The complete new content of the file (UTF-8 text).'),
});

export const EditFileInput = z.strictObject({
  path: relPath,
  oldText: z
    .string()
    .min(1)
    .describe(
      'The exact text to replace, including whitespace and indentation. It must occur exactly once unless replaceAll is true; include surrounding lines to make it unique.',
    ),
  newText: z.string().describe('The text that replaces oldText.'),
  replaceAll: z.boolean().optional().describe('Replace every occurrence of oldText instead of requiring exactly one.'),
});

export const ListChangesInput = z.strictObject({
  diff: z.boolean().optional().describe('Include a unified diff of each text change (capped in size). Default: false.'),
  paths: z.array(z.string().min(1)).optional().describe('Only these paths (relative to the workspace root). Default: all pending changes.'),
});

export const ReviewFeedbackInput = z.strictObject({
  acknowledge: z.boolean().optional().describe('Clear the feedback after reading it, once you have taken it into account. Default: false.'),
});

export const TOOL_NAMES = ['run_command', 'read_file', 'write_file', 'edit_file', 'list_changes', 'review_feedback'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export interface ToolDefinition {
  readonly name: ToolName;
  /** The name under which VS Code registers the language model tool. */
  readonly lmName: string;
  /** What a person can type after `#` in chat to reference the tool. */
  readonly referenceName: string;
  readonly title: string;
  readonly description: string;
  readonly input: z.ZodObject;
  /** Changes nothing (reads only); clients may run it without asking. */
  readonly readOnly: boolean;
}

export const TOOL_DEFINITIONS: readonly ToolDefinition[] = [
  {
    name: 'run_command',
    lmName: 'agentSandbox_runCommand',
    referenceName: 'sandboxRun',
    title: 'Run a command in the sandbox',
    description:
      'Runs a shell command inside the isolated Agent Sandbox container, in a throwaway copy of the workspace mounted at /workspace. ' +
      'Use it for builds, tests, searches and any command that edits files; the sandbox has no access to the host, and its network is limited by policy. ' +
      'Returns the exit code, stdout and stderr (long output is cut in the middle and the number of dropped bytes is given) and the files the command changed. ' +
      REMINDER,
    input: RunCommandInput,
    readOnly: false,
  },
  {
    name: 'read_file',
    lmName: 'agentSandbox_readFile',
    referenceName: 'sandboxRead',
    title: 'Read a file from the sandbox copy',
    description:
      "Reads a text file from the sandbox's copy of the workspace, which includes every change made so far in the sandbox (the real workspace may differ until changes are applied). " +
      'Returns the requested lines with line numbers. Binary files are described, not dumped.',
    input: ReadFileInput,
    readOnly: true,
  },
  {
    name: 'write_file',
    lmName: 'agentSandbox_writeFile',
    referenceName: 'sandboxWrite',
    title: 'Write a file in the sandbox copy',
    description:
      "Creates a file, or replaces its whole content, in the sandbox's copy of the workspace (parent folders are created). Prefer edit_file for changing part of an existing file. " +
      REMINDER,
    input: WriteFileInput,
    readOnly: false,
  },
  {
    name: 'edit_file',
    lmName: 'agentSandbox_editFile',
    referenceName: 'sandboxEdit',
    title: 'Edit a file in the sandbox copy',
    description:
      "Replaces exact text in a file of the sandbox's copy of the workspace. oldText must match exactly once (or set replaceAll); read the file first to copy the text exactly. " +
      REMINDER,
    input: EditFileInput,
    readOnly: false,
  },
  {
    name: 'list_changes',
    lmName: 'agentSandbox_listChanges',
    referenceName: 'sandboxChanges',
    title: 'List the pending changes',
    description:
      'Lists the changes made in the sandbox that wait for review: each path with its kind (added, modified, deleted...), risk flags, what a person has decided so far, and optionally a unified diff. ' +
      'Nothing listed here is in the real workspace yet.',
    input: ListChangesInput,
    readOnly: true,
  },
  {
    name: 'review_feedback',
    lmName: 'agentSandbox_reviewFeedback',
    referenceName: 'sandboxFeedback',
    title: "Read the review's feedback",
    description:
      'Returns what a person rejected in review (whole files or single hunks) and their reasons. Rejected changes have already been undone in the sandbox copy, so the copy shows the truth; ' +
      'take the reasons into account before trying again. Call it when a tool result mentions new feedback, or before finishing a task.',
    input: ReviewFeedbackInput,
    readOnly: false,
  },
];

export function toolDefinition(name: string): ToolDefinition | undefined {
  return TOOL_DEFINITIONS.find((t) => t.name === name || t.lmName === name);
}

/** The JSON schema of a tool's input, as the manifest and MCP clients see it. */
export function inputJsonSchema(def: ToolDefinition): Record<string, unknown> {
  const schema = z.toJSONSchema(def.input, { target: 'draft-7' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}
