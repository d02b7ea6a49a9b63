// Lint rules. The layering rule keeps src/core free of the vscode module, so the core runs
// in plain Node and is shared by the extension, the CLI and the MCP server; src/protocol
// is compiled into the review panel's webview too.
import tseslint from 'typescript-eslint';

const ARGV_NOT_TEMPLATE = {
  selector: "CallExpression[callee.property.name='exec'][arguments.0.type='TemplateLiteral']",
  message: 'Commands are argv arrays: never build a shell line from a template string.',
};

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
    // Command ids are typed (src/extension/commandIds.ts): registering goes through util/commands.ts.
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ARGV_NOT_TEMPLATE,
        {
          selector: "MemberExpression[object.property.name='commands'][property.name='registerCommand']",
          message: 'Register commands with registerCommand from src/extension/util/commands.ts, which takes only a CommandId.',
        },
      ],
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
