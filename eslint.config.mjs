// Lint rules. The layering rule keeps src/core free of the vscode module, so the core runs
// in plain Node and is shared by the extension, the CLI and the MCP server.
import tseslint from 'typescript-eslint';

const ARGV_ONLY = {
  selector: "CallExpression[callee.property.name='exec'][arguments.0.type='TemplateLiteral']",
  message: 'Commands are argv arrays: never build a shell line from a template string.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.test-artifacts/**', '.cache/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', ARGV_ONLY],
    },
  },
  {
    // The session is the only owner of its container: sessions are made by its lifecycle
    // (start, attach, reset) and their airlocks by the session, nowhere else.
    files: ['src/**/*.ts'],
    ignores: ['src/core/session/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ARGV_ONLY,
        { selector: "NewExpression[callee.name='SandboxSession']", message: 'Sessions are made in src/core/session/lifecycle.ts: use startSession, attachSession or resetSession.' },
        { selector: "NewExpression[callee.name='Airlock']", message: "A session's airlock comes from session.airlock() (or openSnapshotOnly(...).airlock() for a stopped one)." },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'src/core and src/cli must not depend on the vscode module.' }] },
      ],
    },
  },
);
