/**
 * Errors that reach a person. Each names what went wrong and what to do about it, so the
 * CLI, the extension and the MCP server can show the message as it is.
 */
export type SandboxErrorCode =
  | 'ENGINE_UNREACHABLE'
  | 'IMAGE_MISSING'
  | 'IMAGE_BUILD_FAILED'
  | 'HARDENING_NOT_APPLIED'
  | 'POLICY_INVALID'
  | 'WORKSPACE_INVALID'
  | 'SESSION_NOT_RUNNING'
  | 'SESSION_BUSY'
  /** Removing the session would lose changes that were never applied. */
  | 'CHANGES_PENDING'
  | 'SNAPSHOT_FAILED'
  | 'DISK_CAP_EXCEEDED'
  | 'UNSAFE_PATH'
  | 'HELPER_BLOCKED'
  | 'CANCELLED'
  | 'INTERNAL';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    /** One sentence that tells the person how to fix it. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The message and the hint, as shown to a person. */
  describe(): string {
    return this.hint ? `${this.message}\n${this.hint}` : this.message;
  }
}

export function describeError(err: unknown): string {
  if (err instanceof SandboxError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
