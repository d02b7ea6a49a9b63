// Lint rules. The layering rule keeps src/core free of the vscode module, so the core runs
// in plain Node and is shared by the extension, the CLI and the MCP server; src/protocol
// is compiled into the review panel's webview too.
//
// ESLint keeps only the last `no-restricted-syntax` that matches a file, so each block
// below repeats the rules of the blocks it narrows.
import tseslint from 'typescript-eslint';

const ARGV_NOT_TEMPLATE = {
  selector: "CallExpression[callee.property.name='exec'][arguments.0.type='TemplateLiteral']",
  message: 'Commands are argv arrays: never build a shell line from a template string.',
};

// The session is the only owner of its container: sessions are made by its lifecycle
// (start, attach, reset) and their airlocks by the session, nowhere else.
const SESSION_OWNS_CONTAINER = [
  {
    selector: "NewExpression[callee.name='SandboxSession']",
    message: 'Sessions are made in src/core/session/lifecycle.ts: use startSession, attachSession or resetSession.',
  },
  {
    selector: "NewExpression[callee.name='Airlock']",
    message: "A session's airlock comes from session.airlock() (or openSnapshotOnly(...).airlock() for a stopped one).",
  },
];

// Command ids are typed (src/extension/commandIds.ts): registering goes through util/commands.ts.
const TYPED_COMMANDS = {
  selector: "MemberExpression[object.property.name='commands'][property.name='registerCommand']",
  message: 'Register commands with registerCommand from src/extension/util/commands.ts, which takes only a CommandId.',
};

// What a person reads goes through vscode.l10n.t (package.nls.json holds the manifest's
// strings): a notification's message is never a bare string or template literal.
const NOTIFICATION_LOCALIZED = ['Information', 'Warning', 'Error'].map((level) => ({
  selector: `CallExpression[callee.object.object.name='vscode'][callee.object.property.name='window'][callee.property.name='show${level}Message'] > :matches(Literal, TemplateLiteral).arguments:first-child`,
  message: `Localize the message: vscode.window.show${level}Message(vscode.l10n.t('...', ...)).`,
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.test-artifacts/**', '.cache/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', ARGV_NOT_TEMPLATE],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/session/**'],
    rules: {
      'no-restricted-syntax': ['error', ARGV_NOT_TEMPLATE, ...SESSION_OWNS_CONTAINER],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ARGV_NOT_TEMPLATE, ...SESSION_OWNS_CONTAINER, TYPED_COMMANDS, ...NOTIFICATION_LOCALIZED],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'src/core, src/cli and src/protocol must not depend on the vscode module.' }] },
      ],
    },
  },
);
