/**
 * One agent's hook tests around one real sandbox. An agent states only what is its own: how
 * the product's hook configuration reaches it, how it is run, how a model calls its shell
 * tool, and how the hook's refusal shows in the scripted model server's log. The bed does the
 * rest the same way for every agent: the sandbox (a workspace holding notes.md), a private
 * home and a fresh model server per run, and clean-up after the suite.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before } from 'node:test';
import { startHookSandbox, type HookSandbox } from './hookSandbox';
import type { AgentId } from './routes';
import { makeAgentHome, type AgentRun, type AgentRunOptions } from './runAgent';
import type { ModelServer, ScriptTurn, ToolResult } from './scriptedServer';
import { assertFinished, describeRun } from './verdicts';

/** The workspace every agent test starts from. */
export const NOTES = 'notes.md';
export const ORIGINAL_NOTES = 'original notes\n';

export interface HookRunOptions<Options extends object = object> {
  /** The hook program the configuration names (default: the sandbox's copy of the built CLI). */
  readonly cli?: readonly string[];
  /** Added to the agent's environment, over the sandbox's own variables. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Runs once the hook configuration is written, before the agent starts. */
  readonly afterConfigured?: () => void;
  /** The agent's own options for this run. */
  readonly agentOptions?: Options;
}

/** What differs from agent to agent; `Options` are the agent's own run options (Copilot's hook file dialect, say). */
export interface AgentUnderTest<Options extends object = object> {
  /** Which column of the README's agents × routes table the agent's passing tests prove. */
  readonly id: AgentId;
  /** The installed agent program (looked up when the suite starts). */
  bin(): string;
  /** The name of the agent's shell tool: every run checks the agent still offers it, or the tests would prove nothing. */
  readonly shellTool: string;
  /** The model's call of the shell tool for `command`. */
  shell(command: string): ScriptTurn;
  startModel(script: readonly ScriptTurn[]): Promise<ModelServer>;
  /**
   * Writes the hook configuration the product writes for hook program `cli`, where this agent
   * reads it; returns how to run the agent with it.
   */
  configure(workspace: string, cli: readonly string[], options: Options | undefined): (run: AgentRunOptions) => Promise<AgentRun>;
  /** Whether a tool result in the model server's log is the hook's refusal. */
  isRefusal(result: ToolResult): boolean;
}

export interface HookTestBed<Options extends object = object> {
  readonly agent: AgentUnderTest<Options>;
  /** The suite's sandbox (set once the suite has started). */
  readonly sandbox: HookSandbox;
  /** Runs `fn` after the suite, before the sandbox goes (the last one registered first). */
  cleanup(fn: () => void | Promise<void>): void;
  /**
   * Runs the agent once with the product's hook configuration and the given model script;
   * asserts that it finished on its own and still offers its shell tool.
   */
  agentRun(script: readonly ScriptTurn[], options?: HookRunOptions<Options>): Promise<{ run: AgentRun; model: ModelServer }>;
  /** Exactly `count` tool results came back, and each is the hook's refusal. */
  assertRefused(model: ModelServer, run: AgentRun, count?: number): void;
}

/** Sets up the suite's sandbox (call inside `describe`) and returns the bed its tests run on. */
export function hookTestBed<Options extends object = object>(agent: AgentUnderTest<Options>): HookTestBed<Options> {
  let sandbox: HookSandbox | undefined;
  let bin = '';
  const cleanups: (() => void | Promise<void>)[] = [];

  before(async () => {
    bin = agent.bin();
    sandbox = await startHookSandbox({ [NOTES]: ORIGINAL_NOTES });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
    sandbox?.dispose();
  });

  const started = (): HookSandbox => {
    assert.ok(sandbox, 'the sandbox is not started: a test ran outside the suite');
    return sandbox;
  };

  return {
    agent,
    get sandbox() {
      return started();
    },
    cleanup: (fn) => void cleanups.push(fn),
    async agentRun(script, options: HookRunOptions<Options> = {}) {
      const box = started();
      const runAgent = agent.configure(box.workspace, options.cli ?? box.cli, options.agentOptions);
      options.afterConfigured?.();
      const model = await agent.startModel(script);
      const home = makeAgentHome();
      try {
        const run = await runAgent({
          bin,
          home,
          workspace: box.workspace,
          modelUrl: model.url,
          env: { ...box.env, ...options.env },
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        });
        assertFinished(run);
        const offered = model.offeredTools();
        assert.ok(
          offered.includes(agent.shellTool),
          `the agent no longer offers ${agent.shellTool}: ${offered.join(', ')}. ${describeRun(run, [])}`,
        );
        return { run, model };
      } finally {
        await model.close();
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
    assertRefused(model, run, count = 1) {
      const results = model.toolResults();
      assert.equal(results.length, count, `${count} tool result(s) expected. ${describeRun(run, results)}`);
      for (const r of results) assert.ok(agent.isRefusal(r), `a call was not refused. ${describeRun(run, results)}`);
    },
  };
}
