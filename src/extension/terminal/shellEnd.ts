/**
 * How a sandbox terminal's shell ended, decided from what is known when its stream closes:
 * the sandbox stopped under it (Stop Sandbox, Reset, or its container stopped or removed
 * outside the extension), the shell itself exited with a code, or the connection was lost.
 * Pure, so that the choice is tested without an engine.
 */
import type { ContainerProbe } from '../../core/session/session';

export type ShellEnd =
  /** The sandbox went away: a normal end of the terminal, not the shell's failure. */
  | { readonly kind: 'sandboxStopped' }
  /** The shell the person typed in exited by itself, with this code. */
  | { readonly kind: 'exited'; readonly code: number }
  /** The shell's result cannot be known (the engine does not answer). */
  | { readonly kind: 'lost' };

export interface ShellEndFacts {
  /** Sandbox mode is off, or the controller runs another session than the terminal's. */
  readonly sessionGone: boolean;
  /** The exec's exit code; undefined when it could not be read or the exec still runs. */
  readonly exitCode: number | undefined;
  /** The container as seen after the stream ended; undefined when not looked at. */
  readonly container: ContainerProbe['container'] | undefined;
}

export function decideShellEnd(facts: ShellEndFacts): ShellEnd {
  if (facts.sessionGone) return { kind: 'sandboxStopped' };
  // A container that stopped or vanished takes the shell with it (exit code 137 from the
  // kill): that is the sandbox stopping, whatever code the exec reports.
  if (facts.container === 'stopped' || facts.container === 'removed') return { kind: 'sandboxStopped' };
  if (facts.exitCode !== undefined) return { kind: 'exited', code: facts.exitCode };
  return { kind: 'lost' };
}
