/**
 * The import graph of a source tree, read with the TypeScript compiler's own pre-processor
 * (`ts.preProcessFile`), and the cycles in it. Every kind of reference counts: value and
 * type-only imports, re-exports, `require()` and `import()`. A type-only cycle erases at run
 * time, but it still ties two modules together so that neither can be read, moved or tested
 * without the other, which is what the cycle check is there to prevent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/** Absolute file path → the absolute paths of the files it imports (relative imports only). */
export type ImportGraph = Map<string, string[]>;

const SOURCE = /\.(ts|tsx|mts|cts)$/;

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => SOURCE.test(f) && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

/** The file a relative specifier names, as Node16 and bundler resolution find it; undefined if none. */
export function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  // `./x.js` names `./x.ts` under Node16 resolution.
  const stem = base.replace(/\.(js|mjs|cjs)$/, '');
  const candidates = [
    base,
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.mts`,
    `${stem}.cts`,
    path.join(base, 'index.ts'),
    path.join(base, 'index.tsx'),
  ];
  return candidates.find((c) => SOURCE.test(c) && fs.existsSync(c) && fs.statSync(c).isFile());
}

/** The relative imports of every source file under `roots`; an import that resolves to nothing is an error. */
export function buildImportGraph(roots: readonly string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of roots.flatMap(sourceFiles).sort()) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = resolveRelative(file, ref.fileName);
      // Data (a JSON file, a style sheet) imports nothing back.
      if (!target && !SOURCE.test(ref.fileName) && fs.existsSync(path.resolve(path.dirname(file), ref.fileName))) continue;
      if (!target) throw new Error(`${file} imports ${ref.fileName}, which resolves to no source file`);
      targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/**
 * The strongly connected components with more than one file (or a file importing itself),
 * by Tarjan's algorithm: each one is a set of files that import each other in a circle.
 * Each component is listed sorted; the list of components is sorted by its first file.
 */
export function importCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];

  const visit = (start: string): void => {
    // Iterative, so a deep import chain cannot overflow the call stack.
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++]!;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfImport = (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfImport) components.push(component.sort());
      }
    }
  };

  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One import path around a component, `a → b → … → a`, so a failure shows the edges to cut. */
export function describeCycle(graph: ImportGraph, component: readonly string[], relativeTo: string): string {
  const members = new Set(component);
  const start = component[0]!;
  // Breadth-first from the first file back to itself, inside the component.
  const previous = new Map<string, string>();
  const queue = [start];
  let closing: string | undefined;
  while (queue.length && !closing) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        closing = node;
        break;
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  const chain = [start];
  for (let node = closing; node && node !== start; node = previous.get(node)) chain.splice(1, 0, node);
  chain.push(start);
  const names = chain.map((f) => path.relative(relativeTo, f));
  const rest =
    component.length > chain.length - 1
      ? ` (the component has ${component.length} files: ${component.map((f) => path.relative(relativeTo, f)).join(', ')})`
      : '';
  return `${names.join(' → ')}${rest}`;
}
