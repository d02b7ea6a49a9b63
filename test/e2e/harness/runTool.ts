// Runs a short-lived tool (vsce, code-server --install-extension, the .ci scripts) to
// completion and reports its output when it fails, so a broken setup step says why.
import { spawn } from 'node:child_process';

export interface ToolResult {
  stdout: string;
  stderr: string;
}

/** Runs `argv` and resolves with its output; rejects with the output when it fails or times out. */
export function runTool(
  argv: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; what: string },
): Promise<ToolResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error(`${options.what}: empty argv`));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${options.what}: could not start ${file}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const why = signal ? `was killed by ${signal} (timeout ${options.timeoutMs} ms?)` : `exited with code ${code}`;
      reject(
        new Error(`${options.what} failed: ${argv.join(' ')} ${why}\n--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`),
      );
    });
  });
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
