/**
 * What every CLI command gets: the workspace, its own arguments and the output streams. A
 * file of its own so that the commands and the table that lists them (commands.ts) both
 * import it, and no command imports the table.
 */

export interface CliIO {
  out(s: string): void;
  err(s: string): void;
  stdout(b: Buffer): void;
  stderr(b: Buffer): void;
}

export interface CommandContext {
  readonly workspace: string;
  readonly args: string[];
  readonly io: CliIO;
}

/** A CLI command: its exit code. */
export type Command = (ctx: CommandContext) => Promise<number>;
