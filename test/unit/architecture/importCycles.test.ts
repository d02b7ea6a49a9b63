// No import cycles in the extension, the CLI, the core or the review panel's code. Every
// reference counts, type-only imports included: a type-only cycle is erased at run time but
// still ties the two modules together (neither can be read, moved or tested alone), which is
// what this check is for. The shared piece belongs in a module of its own.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { buildImportGraph, describeCycle, importCycles } from '../support/importGraph';

const root = path.join(__dirname, '..', '..', '..');

describe('import cycles', () => {
  it('there are none in src/ and webview/src', () => {
    const graph = buildImportGraph([path.join(root, 'src'), path.join(root, 'webview', 'src')]);
    // The graph is the real one: the extension's entry point reaches its parts.
    assert.ok(graph.size > 150, `only ${graph.size} files were read`);
    assert.ok(graph.get(path.join(root, 'src', 'extension', 'main.ts'))?.includes(path.join(root, 'src', 'extension', 'contributions.ts')));
    const cycles = importCycles(graph).map((c) => describeCycle(graph, c, root));
    assert.deepEqual(cycles, [], `Import cycles (move what both sides share into a module of its own):\n${cycles.join('\n')}`);
  });

  it('finds a cycle made of a type-only import, a re-export or a require, and names its path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-cycles-'));
    try {
      const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      };
      write('a.ts', "import { b } from './b';\nexport const a = b;\n");
      write('b.ts', "import type { C } from './c/index';\nexport const b: C = 1;\n");
      write('c/index.ts', "export type { A } from '../a.js';\nexport type C = number;\n");
      write('d.ts', "export const d = require('./e') as number;\n");
      write('e.ts', "export * from './d';\n");
      write('self.ts', "import './self';\n");
      write('leaf.ts', "import './a';\nimport data from './data.json';\nexport default data;\n");
      write('data.json', '{}');
      const graph = buildImportGraph([dir]);
      const cycles = importCycles(graph).map((c) => c.map((f) => path.relative(dir, f)));
      assert.deepEqual(cycles, [['a.ts', 'b.ts', path.join('c', 'index.ts')], ['d.ts', 'e.ts'], ['self.ts']]);
      assert.equal(describeCycle(graph, importCycles(graph)[0]!, dir), `a.ts → b.ts → ${path.join('c', 'index.ts')} → a.ts`);
      // An import of a file that is not there is an error, not a missing edge.
      write('broken.ts', "import './missing';\n");
      assert.throws(() => buildImportGraph([dir]), /broken\.ts imports \.\/missing, which resolves to no source file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
