// The smoke fixture: one status bar item, one command that greets, one webview panel whose
// button talks back to the extension. Each surface changes the status bar text, so the
// test can see from outside that the round trip happened.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const status = vscode.window.createStatusBarItem('smoke.status', vscode.StatusBarAlignment.Left, 100);
  status.name = 'Smoke';
  status.text = '$(beaker) Smoke: ready';
  status.tooltip = 'Open the smoke panel';
  status.command = 'smoke.openPanel';
  status.show();
  context.subscriptions.push(status);

  context.subscriptions.push(
    vscode.commands.registerCommand('smoke.sayHello', () => {
      status.text = '$(beaker) Smoke: greeted';
      void vscode.window.showInformationMessage('Hello from the smoke extension');
    }),
    vscode.commands.registerCommand('smoke.openPanel', () => openPanel(status)),
    vscode.window.registerTerminalProfileProvider('smoke.echo', {
      provideTerminalProfile: () => new vscode.TerminalProfile({ name: 'Smoke Echo', pty: new EchoPty() }),
    }),
  );
}

/** A terminal without a process, like the product's sandbox terminals: it answers each line. */
class EchoPty implements vscode.Pseudoterminal {
  private readonly output = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.output.event;
  private line = '';

  open(): void {
    this.output.fire('smoke echo ready\r\n> ');
  }

  handleInput(data: string): void {
    for (const char of data) {
      if (char === '\r') {
        this.output.fire(`\r\necho: ${this.line}\r\n> `);
        this.line = '';
      } else if (char === '\x7f') {
        if (this.line) {
          this.line = this.line.slice(0, -1);
          this.output.fire('\b \b');
        }
      } else {
        this.line += char;
        this.output.fire(char);
      }
    }
  }

  close(): void {
    this.output.dispose();
  }
}

function openPanel(status: vscode.StatusBarItem): void {
  const panel = vscode.window.createWebviewPanel('smoke.panel', 'Smoke Panel', vscode.ViewColumn.One, {
    enableScripts: true,
    localResourceRoots: [],
  });
  const nonce = randomBytes(16).toString('base64');
  panel.webview.html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}';">
<style nonce="${nonce}">body { font-family: sans-serif; padding: 1em; } button { font-size: 1.2em; }</style>
</head>
<body>
<h1>Smoke Panel</h1>
<button id="ping">Send ping</button>
<p id="reply">no reply yet</p>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  document.getElementById('ping').addEventListener('click', () => vscode.postMessage({ type: 'ping' }));
  window.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'pong') document.getElementById('reply').textContent = 'pong ' + event.data.count;
  });
</script>
</body>
</html>`;
  let pings = 0;
  panel.webview.onDidReceiveMessage((message: { type?: string }) => {
    if (message.type !== 'ping') return;
    pings += 1;
    status.text = `$(beaker) Smoke: pinged ${pings}`;
    void panel.webview.postMessage({ type: 'pong', count: pings });
  });
}

export function deactivate(): void {}
