/** Sizes and repetition counts of a benchmark run: the full run, and the smoke run of the tests. */
import type { WorkspaceSpec } from './workspace';

export interface BenchConfig {
  readonly name: 'full' | 'smoke';
  readonly small: WorkspaceSpec & { readonly label: string };
  readonly large: WorkspaceSpec & { readonly label: string };
  readonly coldStart: { readonly firstRuns: { small: number; large: number }; readonly repeatRuns: { small: number; large: number } };
  /** Starts with a base prepared and kept current beforehand (the background copy's case). */
  readonly preparedStart: { readonly runs: { small: number; large: number } };
  readonly commandRuns: number;
  /** Files an install-like step leaves in the sandbox's upper layer before `run -- true` is timed. */
  readonly upperLayerFiles: number;
  readonly scanRuns: number;
  readonly workRuns: number;
  readonly apply: { readonly files: number; readonly runs: number };
  readonly memory: { readonly files: number; readonly runs: number };
  readonly reviewPanel: { readonly files: number; readonly lines: number; readonly runs: number };
  /** runc against gVisor on the small workspace (measured when the engine has gVisor). */
  readonly runtimes: { readonly starts: number; readonly commands: number; readonly work: number };
}

export const FULL: BenchConfig = {
  name: 'full',
  small: { label: '10k', sourceFiles: 10_000, nodeModulesFiles: 2_000 },
  large: { label: '100k', sourceFiles: 100_000, nodeModulesFiles: 10_000 },
  coldStart: { firstRuns: { small: 2, large: 1 }, repeatRuns: { small: 5, large: 3 } },
  preparedStart: { runs: { small: 5, large: 3 } },
  commandRuns: 50,
  upperLayerFiles: 20_000,
  scanRuns: 5,
  workRuns: 5,
  apply: { files: 1_000, runs: 3 },
  memory: { files: 2_000, runs: 2 },
  reviewPanel: { files: 2_000, lines: 100_000, runs: 3 },
  runtimes: { starts: 3, commands: 30, work: 3 },
};

export const SMOKE: BenchConfig = {
  name: 'smoke',
  small: { label: 'tiny', sourceFiles: 40, nodeModulesFiles: 8 },
  large: { label: 'small', sourceFiles: 120, nodeModulesFiles: 16 },
  coldStart: { firstRuns: { small: 1, large: 1 }, repeatRuns: { small: 1, large: 1 } },
  preparedStart: { runs: { small: 1, large: 1 } },
  commandRuns: 3,
  upperLayerFiles: 200,
  scanRuns: 2,
  workRuns: 2,
  apply: { files: 10, runs: 2 },
  memory: { files: 20, runs: 1 },
  reviewPanel: { files: 50, lines: 500, runs: 1 },
  runtimes: { starts: 1, commands: 2, work: 1 },
};
