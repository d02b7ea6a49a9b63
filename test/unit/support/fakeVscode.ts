/**
 * A recording stand-in for the `vscode` module, enough to run the extension's activation in
 * plain Node: it records registered commands and shown notifications, and otherwise does
 * nothing (no workspace folder is open, settings have their defaults). Unit tests of the
 * wiring only; what the extension does with VS Code is tested against a real VS Code in
 * test/e2e and test/extension-host.
 *
 * The namespaces are strict: reading a member they do not have throws, naming it, so a new
 * use of the API shows up as "add X here" rather than as a confusing failure further on.
 */
import Module from 'node:module';
import * as path from 'node:path';

export interface Recorded {
  readonly commands: string[];
  readonly executed: { readonly id: string; readonly args: unknown[] }[];
  readonly notifications: { readonly level: 'error' | 'warning' | 'information'; readonly message: string }[];
  /** Lines written to output channels, as `level: text`. */
  readonly log: string[];
}

type Listener<T> = (e: T) => unknown;

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  constructor(private readonly onDispose: () => unknown) {}
  dispose(): void {
    this.onDispose();
  }
}

class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query = '',
  ) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static from(parts: { scheme: string; path?: string; query?: string }): Uri {
    return new Uri(parts.scheme, parts.path ?? '', parts.query ?? '');
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, path.posix.join(base.path, ...parts), base.query);
  }
  get fsPath(): string {
    return this.path;
  }
  with(change: { path?: string; query?: string }): Uri {
    return new Uri(this.scheme, change.path ?? this.path, change.query ?? this.query);
  }
  toString(): string {
    return `${this.scheme}://${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

const noEvent = (): Disposable => new Disposable(() => undefined);

/** A namespace that throws on members it does not have. */
function strict<T extends object>(name: string, members: T): T {
  return new Proxy(members, {
    get(target, key, receiver) {
      if (typeof key === 'symbol' || key in target) return Reflect.get(target, key, receiver);
      throw new Error(`The fake vscode module (test/unit/support/fakeVscode.ts) has no ${name}.${key}; add it there.`);
    },
  });
}

function outputChannel(name: string, recorded: Recorded) {
  const line = (level: string) => (text: string) => void recorded.log.push(`${level}: [${name}] ${text}`);
  return {
    name,
    trace: line('trace'),
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    append: line('append'),
    appendLine: line('info'),
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
    onDidChangeLogLevel: noEvent,
    logLevel: 2,
  };
}

function statusBarItem() {
  return {
    text: '',
    tooltip: undefined,
    command: undefined,
    name: undefined,
    backgroundColor: undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  };
}

export function createFakeVscode(): { readonly module: Record<string, unknown>; readonly recorded: Recorded } {
  const recorded: Recorded = { commands: [], executed: [], notifications: [], log: [] };
  const notify = (level: Recorded['notifications'][number]['level']) => (message: string) => {
    recorded.notifications.push({ level, message });
    return Promise.resolve(undefined);
  };
  const module: Record<string, unknown> = {
    Disposable,
    EventEmitter,
    Uri,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ThemeColor: class {
      constructor(readonly id: string) {}
    },
    ThemeIcon: class {
      constructor(readonly id: string) {}
    },
    McpStdioServerDefinition: class {},
    MarkdownString: class {
      isTrusted: unknown = undefined;
      constructor(readonly value = '') {}
    },
    l10n: strict('l10n', {
      t: (message: string, ...args: unknown[]) => message.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)])),
    }),
    commands: strict('commands', {
      registerCommand: (id: string) => {
        recorded.commands.push(id);
        return new Disposable(() => undefined);
      },
      executeCommand: (id: string, ...args: unknown[]) => {
        recorded.executed.push({ id, args });
        return Promise.resolve(undefined);
      },
    }),
    window: strict('window', {
      createOutputChannel: (name: string) => outputChannel(name, recorded),
      createStatusBarItem: statusBarItem,
      registerTerminalProfileProvider: noEvent,
      registerWebviewPanelSerializer: noEvent,
      showErrorMessage: notify('error'),
      showWarningMessage: notify('warning'),
      showInformationMessage: notify('information'),
    }),
    workspace: strict('workspace', {
      isTrusted: true,
      workspaceFolders: undefined,
      onDidGrantWorkspaceTrust: noEvent,
      onDidChangeConfiguration: noEvent,
      onDidChangeWorkspaceFolders: noEvent,
      onDidCloseTextDocument: noEvent,
      getConfiguration: () => ({ get: (_key: string, fallback?: unknown) => fallback, inspect: () => undefined }),
      registerTextDocumentContentProvider: noEvent,
    }),
    lm: strict('lm', {
      registerTool: noEvent,
      registerMcpServerDefinitionProvider: noEvent,
    }),
    extensions: strict('extensions', {
      getExtension: () => undefined,
    }),
  };
  return { module, recorded };
}

/** A workspace and global state that start empty. */
function memento() {
  const values = new Map<string, unknown>();
  return {
    get: (key: string, fallback?: unknown) => (values.has(key) ? values.get(key) : fallback),
    update: (key: string, value: unknown) => {
      values.set(key, value);
      return Promise.resolve();
    },
    keys: () => [...values.keys()],
  };
}

export function fakeExtensionContext(extensionPath: string): { subscriptions: { dispose(): unknown }[]; [key: string]: unknown } {
  return {
    subscriptions: [],
    extensionUri: Uri.file(extensionPath),
    extensionPath,
    workspaceState: memento(),
    globalState: memento(),
  };
}

/**
 * Makes `require('vscode')` return `fake` until the returned function is called. The
 * extension's modules must be required after this, and not have been loaded before.
 */
export function installFakeVscode(fake: Record<string, unknown>): () => void {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return fake;
    return original.call(this, request, parent, isMain);
  };
  return () => {
    loader._load = original;
  };
}
