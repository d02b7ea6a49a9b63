/**
 * The audit log's view of a sandbox terminal: when it opened, each line entered in it, and
 * how it ended (the shell's exit status).
 *
 * A line is what was typed up to Enter, rebuilt from the keys sent to the terminal. Limits,
 * stated plainly: the shell's line editing is not replayed. Backspace, Ctrl+U and Ctrl+W are
 * followed; cursor keys, history recall (Up, Ctrl+R) and Tab completion are not, so such a
 * line is recorded as typed and marked, and the command that ran may differ from it.
 * Pasted text is recorded line by line. Keys sent to a full-screen program (an editor, a
 * pager) are recorded the same way, as lines.
 *
 * Secrets: a line typed while the terminal did not echo it (a password prompt, `read -s`,
 * sudo) is not recorded: the recorder looks for the typed characters in the terminal's
 * output between the first key of the line and the newline after Enter, and records only a
 * line that came back as echo. A hidden line leaves a record saying that it was not recorded.
 */
import * as crypto from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { appendAudit } from '../../core/audit';
import type { SandboxSession } from '../../core/session/session';

export interface RecordedLine {
  /** The line as typed; absent when it was not echoed (not recorded). */
  readonly input?: string;
  /** What the reader should know about the line (edited with keys not followed, not echoed). */
  readonly note?: string;
}

/** How long after Enter the echo may take to arrive. */
const ECHO_WAIT_MS = 1500;
/** Output kept per line for the echo check. */
const WINDOW_CAP = 16 * 1024;
/** Longest line recorded. */
const LINE_CAP = 4096;

export const NOT_ECHOED_NOTE = 'typed while the terminal did not echo (a password prompt?): not recorded';
export const EDITED_NOTE = 'edited with cursor, history or completion keys: recorded as typed, the shell may have run something else';

interface Pending {
  readonly text: string;
  readonly typed: string;
  readonly edited: boolean;
  window: string;
  /** Output since the line's last printable key: that key's echo must be in it. */
  tail: string;
  timer?: ReturnType<typeof setTimeout>;
}

const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_]|\([A-Za-z0-9])/g;

/** Whether every character of `typed` appears in `output` in order (the echo, with whatever the shell drew around it). */
export function echoed(typed: string, output: string): boolean {
  const plain = output.replace(ANSI, '').replace(/[\x00-\x1f\x7f]/g, '');
  let at = 0;
  for (const ch of typed) {
    const found = plain.indexOf(ch, at);
    if (found < 0) return false;
    at = found + ch.length;
  }
  return true;
}

/** Rebuilds entered lines from a terminal's input and output; pure apart from its timers. */
export class TerminalLineRecorder {
  private buffer = '';
  /** Every printable key of the line, deleted ones included (they were echoed too). */
  private typed = '';
  private edited = false;
  /** Output since the first key of the current line. */
  private window = '';
  /** Output since the last printable key of the current line. */
  private tail = '';
  private started = false;
  private escape: string | undefined;
  private readonly pending: Pending[] = [];

  constructor(
    private readonly emit: (line: RecordedLine) => void,
    private readonly echoWaitMs = ECHO_WAIT_MS,
  ) {}

  input(data: string): void {
    for (const ch of data) {
      if (this.escape !== undefined) {
        // An escape sequence (cursor keys, Home, Delete...): skipped, the line marked as edited.
        this.escape += ch;
        const done = this.escape.length === 1 ? ch !== '[' && ch !== 'O' : this.escape.startsWith('O') ? true : /[@-~]/.test(ch);
        if (done || this.escape.length > 16) {
          this.escape = undefined;
          this.edited = true;
        }
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        this.enter();
        continue;
      }
      if (!this.started) {
        this.started = true;
        this.window = '';
      }
      if (ch === '\x1b') this.escape = '';
      else if (ch === '\x7f' || ch === '\b') this.buffer = [...this.buffer].slice(0, -1).join('');
      else if (ch === '\x15') this.buffer = '';
      else if (ch === '\x17') this.buffer = this.buffer.replace(/\S*\s*$/, '');
      else if (ch === '\x03') this.resetLine();
      else if (ch === '\t' || ch === '\x12' || ch === '\x10' || ch === '\x0e') this.edited = true;
      else if (ch >= ' ') {
        if (this.buffer.length < LINE_CAP) this.buffer += ch;
        this.typed += ch;
        this.tail = '';
      }
    }
  }

  output(text: string): void {
    if (this.started) {
      this.window = (this.window + text).slice(-WINDOW_CAP);
      this.tail = (this.tail + text).slice(-WINDOW_CAP);
    }
    if (this.pending.length === 1) {
      // One line waiting (typed, or a password pasted): its echo comes before the newline
      // that ends it; what a program prints after that newline (an error message, the next
      // prompt) is no echo, so it is not looked at.
      const p = this.pending[0]!;
      const newline = text.indexOf('\n');
      const echo = newline < 0 ? text : text.slice(0, newline);
      p.window = (p.window + echo).slice(-WINDOW_CAP);
      p.tail = (p.tail + echo).slice(-WINDOW_CAP);
      if (newline >= 0) this.finish(p);
      return;
    }
    // Several lines pasted at once: the later lines' echo follows the earlier lines' output.
    for (const p of [...this.pending]) {
      p.window = (p.window + text).slice(-WINDOW_CAP);
      p.tail = (p.tail + text).slice(-WINDOW_CAP);
      if (/[\r\n]/.test(text)) this.finish(p);
    }
  }

  /** The terminal ended: lines still waiting for their echo are decided on what was seen. */
  close(): void {
    for (const p of [...this.pending]) this.finish(p);
  }

  private enter(): void {
    const p: Pending = {
      text: this.buffer,
      typed: this.typed,
      edited: this.edited,
      window: this.started ? this.window : '',
      tail: this.started ? this.tail : '',
    };
    this.resetLine();
    if (!p.text && !p.edited) return;
    this.pending.push(p);
    p.timer = setTimeout(() => this.finish(p), this.echoWaitMs);
    p.timer.unref?.();
  }

  private resetLine(): void {
    this.buffer = '';
    this.typed = '';
    this.edited = false;
    this.window = '';
    this.tail = '';
    this.started = false;
  }

  private finish(p: Pending): void {
    const i = this.pending.indexOf(p);
    if (i < 0) return;
    this.pending.splice(i, 1);
    if (p.timer) clearTimeout(p.timer);
    // Every key came back in order, and the last one after it was typed (output that was on
    // its way before, such as a prompt printed over keys typed ahead, is no echo of it).
    if (p.typed && !(echoed(p.typed, p.window) && echoed([...p.typed].slice(-1).join(''), p.tail))) {
      this.emit({ note: NOT_ECHOED_NOTE });
      return;
    }
    this.emit({ input: p.text, ...(p.edited ? { note: EDITED_NOTE } : {}) });
  }
}

export interface TerminalAudit {
  /** The keys sent to the terminal, as given to the pseudoterminal's handleInput. */
  input(data: string): void;
  /** The terminal was closed: records its end now, whether or not the stream reports it. */
  end(): void;
}

/**
 * Records a sandbox terminal in the session's audit log: its opening now, each line entered
 * (see above), and its end with the shell's exit status when the stream ends.
 */
export function recordTerminal(session: SandboxSession, exec: Docker.Exec, stream: Duplex): TerminalAudit {
  const terminal = crypto.randomBytes(3).toString('hex');
  const file = session.auditFile;
  appendAudit(file, { session: session.id, event: 'terminal-open', terminal, outcome: 'opened' });
  const recorder = new TerminalLineRecorder((line) =>
    appendAudit(file, {
      session: session.id,
      event: 'terminal-input',
      terminal,
      ...(line.input !== undefined ? { input: line.input } : {}),
      ...(line.note ? { detail: line.note } : {}),
    }),
  );
  const decoder = new StringDecoder('utf8');
  stream.on('data', (chunk: Buffer) => recorder.output(decoder.write(chunk)));
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    recorder.close();
    void exitStatus(exec).then((code) =>
      appendAudit(file, {
        session: session.id,
        event: 'terminal-close',
        terminal,
        ...(code !== undefined
          ? { exitCode: code, outcome: 'exited' }
          : { outcome: 'closed', detail: 'the shell was ended with the terminal (closed by the person) or the connection was lost' }),
      }),
    );
  };
  stream.once('end', end);
  stream.once('close', end);
  stream.once('error', end);
  return { input: (data) => recorder.input(data), end };
}

/** The shell's exit code, once it has exited (asked twice, a moment apart); undefined when it is unknown. */
async function exitStatus(exec: Docker.Exec): Promise<number | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const info = await exec.inspect();
      if (!info.Running) return info.ExitCode ?? undefined;
    } catch {
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return undefined;
}
