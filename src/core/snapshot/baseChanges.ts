/**
 * What a file watcher tells a refresh of the kept base: the paths that changed since it
 * began watching, and the patterns it cannot see. The refresh trusts that list only when the
 * watcher saw every change since the kept copy was made; otherwise it looks at every entry.
 * A wrong "nothing changed here" would give the sandbox a stale base, and the three-way merge
 * of apply would then take the workspace's own newer files for edits made meanwhile.
 */
import { compilePatterns } from '../glob';
import type { KeptBase } from './baseCache';

export interface BaseChanges {
  /**
   * From when on (ms since the epoch) `paths` holds every change: the moment the watcher was
   * ready, or the last time it may have missed events (overflow, error, sleep).
   */
  readonly since: number;
  /** Relative posix paths that changed since then; a directory stands for its subtree. */
  readonly paths: readonly string[];
  /**
   * Patterns (gitignore style) of paths the watcher does not report, such as VS Code's
   * `files.watcherExclude`. The folders of the kept copy that hold such paths are always
   * looked at again, whole.
   */
  readonly unwatched?: readonly string[];
}

/** How a base copy was made: from nothing, by looking at every entry, or at the changed paths only. */
export type RefreshKind = 'fresh' | 'full' | 'changed';

/**
 * The changed paths to hand to the refresh of `kept`, or undefined when it must look at
 * every entry: without a watcher, with a copy whose last refresh was cut short, or when the
 * copy was made before the watcher saw everything (it started later, or lost events since).
 */
export function changedPathsFor(kept: KeptBase | undefined, changes: BaseChanges | undefined): string[] | undefined {
  if (!kept || !changes || !kept.complete) return undefined;
  if (kept.manifest.startedAtMs < changes.since) return undefined;
  const paths = new Set(changes.paths);
  for (const root of unwatchedRoots(kept.manifest.entries.keys(), changes.unwatched ?? [])) paths.add(root);
  // The workspace folder itself stands for everything.
  if (paths.has('')) return undefined;
  return [...paths].sort();
}

/**
 * The folders to look at again because the watcher cannot see into them: for each recorded
 * path inside an unwatched pattern, the folder that holds the outermost unwatched entry on
 * its way (its creation or removal is not reported either). `''` stands for the whole tree.
 * Keys are the manifest's (raw name bytes as latin1).
 */
export function unwatchedRoots(keys: Iterable<string>, patterns: readonly string[]): string[] {
  // Absolute paths (which VS Code accepts here), `./…` and `${…}` forms are not read as
  // patterns relative to the workspace: what they hide is not known, so everything is
  // looked at again. The extension turns absolute paths inside the workspace into relative
  // ones before they get here.
  if (patterns.some((p) => !isWorkspaceRelative(p.trim()))) return [''];
  const expanded = patterns
    .flatMap(expandBraces)
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith('#'))
    // VS Code's `a/**` also matches the folder `a` itself; gitignore's only what is inside.
    .flatMap((p) => (p.endsWith('/**') && p.length > 3 ? [p, p.slice(0, -3)] : [p]));
  if (!expanded.length) return [];
  const matches = compilePatterns(expanded);
  const decided = new Map<string, boolean>();
  const roots = new Set<string>();
  const unwatched = (rel: string, isDir: boolean): boolean => {
    const key = `${isDir ? 'd' : 'f'}${rel}`;
    let hit = decided.get(key);
    if (hit === undefined) {
      hit = matches(rel, isDir) !== undefined;
      decided.set(key, hit);
    }
    return hit;
  };
  for (const raw of keys) {
    const rel = Buffer.from(raw, 'latin1').toString('utf8');
    const names = rel.split('/');
    for (let i = 1; i <= names.length; i++) {
      const prefix = names.slice(0, i).join('/');
      // The manifest names files and links; the folders on their way are directories.
      if (!unwatched(prefix, i < names.length)) continue;
      roots.add(names.slice(0, i - 1).join('/'));
      break;
    }
  }
  // A root inside another is covered by it.
  const sorted = [...roots].sort();
  return sorted.filter((r) => !sorted.some((o) => o !== r && (o === '' || r.startsWith(`${o}/`))));
}

/** `a/{b,c}/d` as `a/b/d` and `a/c/d` (VS Code's globs have braces; gitignore patterns do not). */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  const close = open === -1 ? -1 : pattern.indexOf('}', open);
  if (open === -1 || close === -1) return [pattern];
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  return pattern
    .slice(open + 1, close)
    .split(',')
    .flatMap((alt) => expandBraces(`${head}${alt}${tail}`));
}

/** A pattern read relative to the workspace folder: not absolute, not `./…`, no `${…}`. */
function isWorkspaceRelative(pattern: string): boolean {
  return (
    !pattern.startsWith('/') &&
    !pattern.startsWith('\\') &&
    !/^[A-Za-z]:[\\/]/.test(pattern) &&
    !pattern.startsWith('./') &&
    !pattern.includes('${')
  );
}
