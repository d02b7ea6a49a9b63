/**
 * The shapes a pre-tool-use hook reads, plans and answers, shared by the common planner
 * (hooks.ts) and the per-agent planners it calls (geminiHook.ts, hookCopyReads.ts). They
 * live apart from the planner so that those files do not import the planner that imports
 * them.
 */

/** The shape of a hook's input and answer: Claude-like (`hookSpecificOutput`), Copilot's flat one, or Gemini's (`decision`). */
export type HookFormat = 'claude' | 'copilot' | 'gemini';

export interface HookPayload {
  readonly event: string;
  readonly toolName: string;
  readonly toolInput: Record<string, unknown>;
  readonly cwd?: string;
  /** Gemini CLI's `transcript_path`, its session's chat file in its project temp folder (see geminiTempDir.ts). */
  readonly transcriptPath?: string;
  /** The format the input came in, and so the one the answer must take. */
  readonly format?: HookFormat;
}

export type CopyReadPlan =
  /** A read of one file, to be pointed at the copy's version when it is inside the workspace. */
  | { readonly kind: 'copyRead'; readonly tool: string; readonly field: string; readonly target: string }
  /** A walk of a folder, refused when it is inside the workspace. */
  | { readonly kind: 'copySearch'; readonly tool: string; readonly target: string };

export type HookPlan =
  /** Not ours to judge: say nothing, the agent's own rules apply. */
  | { readonly kind: 'pass' }
  /** A shell command to move into the sandbox (if the sandbox is up). */
  | { readonly kind: 'shell'; readonly command: string }
  /** Claude Code's Read and searches: shown the sandbox copy, or refused inside the workspace (see hookCopyReads.ts). */
  | CopyReadPlan
  | { readonly kind: 'deny'; readonly reason: string };

export interface HookAnswer {
  readonly hookSpecificOutput: {
    readonly hookEventName: 'PreToolUse';
    readonly permissionDecision: 'allow' | 'deny' | 'ask';
    readonly permissionDecisionReason: string;
    readonly updatedInput?: Record<string, unknown>;
    readonly additionalContext?: string;
  };
}
