/**
 * A terminal whose shell runs inside the sandbox: a Pseudoterminal over an engine exec with a
 * TTY. Keys go to the container's TTY as typed (Ctrl+C reaches the foreground process as
 * SIGINT through the TTY), resizes follow the panel, and the shell's exit code closes the
 * terminal. When the sandbox stops under the shell (Stop Sandbox, Reset, or its container
 * stopped or removed outside the extension) the terminal ends normally with "Sandbox
 * stopped" rather than as a failed process. When the sandbox cannot run, the terminal says
 * why and runs nothing.
 */
import * as crypto from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import { KILL_MARKED_SCRIPT, TERMINAL_SHELL_SCRIPT } from '../../core/session/scripts';
import type { SandboxSession } from '../../core/session/session';
import { recordTerminal, type TerminalAudit } from '../audit/terminalRecorder';
import type { SandboxController } from '../sandbox/controller';
import type { Logger } from '../util/logger';
import { decideShellEnd } from './shellEnd';

const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';
/** Bounded: a hung engine must not keep a closed shell's terminal waiting. */
const END_PROBE_TIMEOUT_MS = 3000;

export class SandboxPty implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  /** Fires once the shell is up and takes input (after the greeting), whatever the display language. */
  readonly onDidBecomeReady = this.readyEmitter.event;

  private readonly marker = crypto.randomBytes(8).toString('hex');
  private exec: Docker.Exec | undefined;
  private stream: Duplex | undefined;
  private session: SandboxSession | undefined;
  private dimensions: vscode.TerminalDimensions | undefined;
  /** Set when the terminal only shows a message (a refusal, or the sandbox stopped) and closes on the next key. */
  private refused = false;
  private closed = false;
  private audit: TerminalAudit | undefined;

  constructor(
    private readonly controller: SandboxController,
    private readonly logger: Logger,
  ) {}

  open(initialDimensions: vscode.TerminalDimensions | undefined): void {
    this.dimensions = initialDimensions;
    void this.start();
  }

  private async start(): Promise<void> {
    let session: SandboxSession;
    try {
      session = await this.controller.requireHealthy();
    } catch (err) {
      this.refuse(describeError(err));
      return;
    }
    this.session = session;
    try {
      const cols = this.dimensions?.columns ?? 80;
      const rows = this.dimensions?.rows ?? 24;
      // The prompt below holds because the shell starts without rc files (TERMINAL_SHELL_SCRIPT).
      const { exec, stream } = await session.startInteractive(TERMINAL_SHELL_SCRIPT, [
        'TERM=xterm-256color',
        'PS1=sandbox:\\w\\$ ',
        `AGENT_SANDBOX_TERMINAL=${this.marker}`,
        `COLUMNS=${cols}`,
        `LINES=${rows}`,
      ]);
      this.exec = exec;
      this.stream = stream;
      if (this.closed) {
        stream.destroy();
        await this.killShell();
        return;
      }
      this.audit = recordTerminal(session, exec, stream);
      this.writeEmitter.fire(
        `${DIM}${vscode.l10n.t('Agent Sandbox: this shell runs in the sandbox ({0}); your files change only when you apply reviewed changes.', session.id)}${RESET}\r\n`,
      );
      const decoder = new StringDecoder('utf8');
      stream.on('data', (chunk: Buffer) => {
        this.writeEmitter.fire(decoder.write(chunk));
        // The prompt that follows a command is output too: a quiet moment after output is
        // when a command has finished, so that is when the pending changes are rescanned.
        this.controller.scheduleRefresh();
      });
      const ended = () => void this.onShellEnded(exec);
      stream.once('end', ended);
      stream.once('close', ended);
      stream.once('error', (err) => {
        this.logger.error('Sandbox terminal stream failed', err);
        ended();
      });
      await this.resize();
      this.readyEmitter.fire();
      this.logger.info(`Sandbox terminal opened in ${session.id}.`);
    } catch (err) {
      this.logger.error('Opening a sandbox terminal failed', err);
      this.refuse(vscode.l10n.t('Could not open a shell in the sandbox: {0}', describeError(err)));
    }
  }

  private refuse(message: string): void {
    this.refused = true;
    const lines = message.split('\n').map((l) => `${RED}${l}${RESET}`);
    this.writeEmitter.fire(
      `${RED}${vscode.l10n.t('Agent Sandbox: this terminal cannot run anything, because the sandbox is not available.')}${RESET}\r\n` +
        `${lines.join('\r\n')}\r\n` +
        `${DIM}${vscode.l10n.t('Nothing runs on your machine instead. Press any key to close this terminal.')}${RESET}\r\n`,
    );
  }

  private ending = false;
  private async onShellEnded(exec: Docker.Exec): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    let exitCode: number | undefined;
    try {
      const info = await exec.inspect();
      exitCode = info.Running ? undefined : (info.ExitCode ?? undefined);
    } catch {
      exitCode = undefined;
    }
    const session = this.session;
    // Stop and Reset switch the controller away from this session before they stop its
    // container, so by now the controller already says so; a container stopped or removed
    // behind the extension's back is seen by looking at it.
    const sessionGone = this.controller.status.mode === 'off' || this.controller.runningSession !== session;
    const container = sessionGone || !session ? undefined : (await session.probe(END_PROBE_TIMEOUT_MS)).container;
    this.controller.scheduleRefresh(0);
    if (this.closed) return;
    const end = decideShellEnd({ sessionGone, exitCode, container });
    if (end.kind === 'sandboxStopped') {
      // A normal end: VS Code shows no "terminated with exit code" error for it. The terminal
      // stays with the message, so the person sees why the shell is gone.
      this.refused = true;
      this.logger.info('A sandbox terminal ended because the sandbox stopped.');
      this.writeEmitter.fire(
        `\r\n${YELLOW}${vscode.l10n.t('Sandbox stopped')}${RESET}\r\n` +
          `${DIM}${vscode.l10n.t('The sandbox was stopped, so this shell ended; pending changes are kept for review. Press any key to close this terminal.')}${RESET}\r\n`,
      );
    } else if (end.kind === 'exited') {
      if (end.code !== 0) {
        this.writeEmitter.fire(`\r\n${RED}${vscode.l10n.t('Agent Sandbox: the shell exited with code {0}.', end.code)}${RESET}\r\n`);
      }
      this.closeEmitter.fire(end.code);
    } else {
      this.writeEmitter.fire(
        `\r\n${RED}${vscode.l10n.t("Agent Sandbox: the connection to the sandbox was lost; the shell's result is unknown.")}${RESET}\r\n`,
      );
      this.closeEmitter.fire(1);
    }
  }

  handleInput(data: string): void {
    if (this.refused) {
      this.closed = true;
      // Closing a terminal that only showed a message is no failure of a process.
      this.closeEmitter.fire();
      return;
    }
    this.audit?.input(data);
    this.stream?.write(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.dimensions = dimensions;
    void this.resize();
  }

  private async resize(): Promise<void> {
    if (!this.exec || !this.dimensions) return;
    try {
      await this.exec.resize({ h: this.dimensions.rows, w: this.dimensions.columns });
    } catch (err) {
      this.logger.debug(`Resizing the sandbox terminal failed: ${(err as Error).message}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.audit?.end();
    this.stream?.destroy();
    void this.killShell();
    this.writeEmitter.dispose();
    this.readyEmitter.dispose();
  }

  /** Closing the terminal ends the shell and everything it started, not just the connection. */
  private async killShell(): Promise<void> {
    const session = this.session;
    if (!session) return;
    try {
      await session.helper(KILL_MARKED_SCRIPT, [this.marker]);
    } catch (err) {
      this.logger.debug(`Ending the sandbox terminal's processes failed: ${(err as Error).message}`);
    }
    this.controller.scheduleRefresh(0);
  }
}

export function createSandboxTerminalOptions(
  controller: SandboxController,
  logger: Logger,
): vscode.ExtensionTerminalOptions & { readonly pty: SandboxPty } {
  return {
    name: vscode.l10n.t('Agent Sandbox'),
    pty: new SandboxPty(controller, logger),
    iconPath: new vscode.ThemeIcon('shield'),
  };
}

export function registerSandboxTerminals(controller: SandboxController, logger: Logger): vscode.Disposable {
  return vscode.window.registerTerminalProfileProvider('agentSandbox.terminal', {
    provideTerminalProfile: () => new vscode.TerminalProfile(createSandboxTerminalOptions(controller, logger)),
  });
}
