/**
 * Generates benchmark workspaces: source-like text files in nested packages, a
 * node_modules-like folder of many small files (ignored by git, as in real projects), and a
 * git repository with one commit of the sources. Deterministic for a given size, written
 * with a small pool of concurrent writes so that 100,000 files take seconds, not minutes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runProcess } from './measure';

export interface WorkspaceSpec {
  readonly sourceFiles: number;
  readonly nodeModulesFiles: number;
}

export interface GeneratedWorkspace {
  readonly root: string;
  readonly sourcePaths: readonly string[];
  readonly files: number;
  readonly bytes: number;
}

/** A small deterministic generator (mulberry32), so runs compare like with like. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'value',
  'result',
  'index',
  'count',
  'items',
  'config',
  'options',
  'buffer',
  'handler',
  'request',
  'response',
  'session',
  'change',
  'entry',
  'state',
  'error',
  'path',
  'name',
  'data',
  'node',
];

function sourceText(random: () => number, index: number): string {
  const lines: string[] = [
    `// Module ${index}: generated for the benchmark.`,
    `import { helper${index % 97} } from '../shared/helper${index % 97}';`,
    '',
  ];
  const functions = 2 + Math.floor(random() * 6);
  for (let f = 0; f < functions; f++) {
    const a = WORDS[Math.floor(random() * WORDS.length)]!;
    const b = WORDS[Math.floor(random() * WORDS.length)]!;
    lines.push(`export function ${a}${f}Of${index}(${b}: number, ${a}: string): string {`);
    const body = 3 + Math.floor(random() * 8);
    for (let l = 0; l < body; l++) {
      lines.push(
        `  const ${b}${l} = helper${index % 97}(${a}, ${Math.floor(random() * 1000)}) + ${b} * ${l};${l === 1 && f === 0 ? ' // TODO: tidy' : ''}`,
      );
    }
    lines.push(`  return \`\${${a}}:\${${b}}\`;`, '}', '');
  }
  return lines.join('\n');
}

async function writeAll(jobs: readonly { file: string; text: string }[], concurrency = 64): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      await fs.promises.writeFile(job.file, job.text);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Commits the given files with `git fast-import` (one pack file instead of one loose object
 * per file, which on a slow disk is the difference between seconds and minutes), then
 * fills the index from the commit so that `git status` is clean.
 */
async function commitSources(root: string, files: readonly { file: string; text: string }[]): Promise<void> {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  await runProcess(['git', 'init', '-q', '-b', 'main'], { cwd: root, env });
  const stream: Buffer[] = [];
  const fileOps: string[] = [];
  files.forEach((f, i) => {
    const data = Buffer.from(f.text);
    stream.push(Buffer.from(`blob\nmark :${i + 1}\ndata ${data.length}\n`), data, Buffer.from('\n'));
    fileOps.push(`M 100644 :${i + 1} ${path.relative(root, f.file).split(path.sep).join('/')}`);
  });
  const message = 'generated workspace';
  stream.push(
    Buffer.from(
      `commit refs/heads/main\ncommitter bench <bench@example.invalid> 1700000000 +0000\ndata ${message.length}\n${message}\n${fileOps.join('\n')}\n\n`,
    ),
  );
  await new Promise<void>((resolve, reject) => {
    const child = spawn('git', ['fast-import', '--quiet'], { cwd: root, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited with ${code}: ${stderr}`))));
    child.stdin.end(Buffer.concat(stream));
  });
  await runProcess(['git', 'reset', '-q'], { cwd: root, env });
}

/** Writes a workspace under `root` (which must not exist) and commits its sources to git. */
export async function generateWorkspace(root: string, spec: WorkspaceSpec): Promise<GeneratedWorkspace> {
  const random = prng(spec.sourceFiles * 31 + spec.nodeModulesFiles);
  const jobs: { file: string; text: string }[] = [];
  const dirs = new Set<string>();
  const sourcePaths: string[] = [];
  const perDir = 50;
  for (let i = 0; i < spec.sourceFiles; i++) {
    const dirIndex = Math.floor(i / perDir);
    const rel = `src/pkg${Math.floor(dirIndex / 40)}/mod${dirIndex % 40}/file${i}.ts`;
    sourcePaths.push(rel);
    dirs.add(path.dirname(rel));
    jobs.push({ file: path.join(root, rel), text: sourceText(random, i) });
  }
  const modules = Math.max(1, Math.floor(spec.nodeModulesFiles / 4));
  for (let m = 0; m < modules && jobs.length < spec.sourceFiles + spec.nodeModulesFiles; m++) {
    const dir = `node_modules/dep-${m}`;
    dirs.add(`${dir}/lib`);
    jobs.push({ file: path.join(root, dir, 'package.json'), text: `{"name":"dep-${m}","version":"1.${m % 10}.0","main":"index.js"}\n` });
    jobs.push({ file: path.join(root, dir, 'index.js'), text: `module.exports = require('./lib/main.js');\n` });
    jobs.push({ file: path.join(root, dir, 'lib', 'main.js'), text: `exports.value = ${m};\nexports.name = 'dep-${m}';\n` });
    jobs.push({ file: path.join(root, dir, 'README.md'), text: `# dep-${m}\n\nA small dependency.\n` });
  }
  for (const d of dirs) fs.mkdirSync(path.join(root, d), { recursive: true });
  jobs.push({ file: path.join(root, '.gitignore'), text: 'node_modules/\n' });
  jobs.push({ file: path.join(root, 'package.json'), text: '{"name":"bench-workspace","private":true}\n' });
  await writeAll(jobs);

  await commitSources(
    root,
    jobs.filter((j) => !j.file.includes(`${path.sep}node_modules${path.sep}`)),
  );
  const bytes = jobs.reduce((sum, j) => sum + Buffer.byteLength(j.text), 0);
  return { root, sourcePaths, files: jobs.length, bytes };
}
