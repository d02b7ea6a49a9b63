/**
 * How the editor starts the bundled `agent-sandbox` CLI: for the MCP server it registers and
 * for the hook command lines it writes. The extension host's executable is Electron in
 * desktop VS Code, which runs as Node only with ELECTRON_RUN_AS_NODE; `env` carries that
 * variable into command lines that a shell runs later.
 */
import * as path from 'node:path';
import type * as vscode from 'vscode';

export interface CliLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The same launch as one argv, usable in a shell command line. */
  readonly argv: readonly string[];
}

export function bundledCli(extensionUri: vscode.Uri): CliLaunch {
  const script = path.join(extensionUri.fsPath, 'dist', 'cli.js');
  const runsAsNode = /^node(\.exe)?$/i.test(path.basename(process.execPath));
  if (runsAsNode) return { command: process.execPath, args: [script], env: {}, argv: [process.execPath, script] };
  return {
    command: process.execPath,
    args: [script],
    env: { ELECTRON_RUN_AS_NODE: '1' },
    argv: ['env', 'ELECTRON_RUN_AS_NODE=1', process.execPath, script],
  };
}
