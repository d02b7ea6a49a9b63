/**
 * Assertions shared by the agent tests: a canary that must not exist on the host, and a tool
 * result that shows the agent was refused rather than served.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { AgentRun } from './runAgent';

/** Words every refusal of the hook carries: its own name, or the agent's word for a block. */
export const REFUSAL = /agent.sandbox|block|den(y|ied)|refus/i;

export function assertAbsentOnHost(file: string, run: AgentRun): void {
  assert.equal(
    fs.existsSync(file),
    false,
    `${file} was created on the host: the call ran outside the sandbox.\nagent stdout: ${run.stdout.slice(-2000)}\nagent stderr: ${run.stderr.slice(-2000)}`,
  );
}

/** The agent finished on its own (a timeout would hide what the hook did). */
export function assertFinished(run: AgentRun): void {
  assert.equal(
    run.timedOut,
    false,
    `the agent did not finish in time.\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-2000)}`,
  );
}

export function describeRun(run: AgentRun, toolResults: unknown): string {
  return `tool results: ${JSON.stringify(toolResults, null, 1)}\nagent stdout: ${run.stdout.slice(-1500)}\nagent stderr: ${run.stderr.slice(-1500)}`;
}
