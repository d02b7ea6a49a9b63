/**
 * Gitignore-style path patterns, used for the excluded and risky path lists of the policy.
 *
 * - A pattern without a slash (other than a trailing one) matches a name at any depth:
 *   `*.pem` matches `a/b/c.pem`, `.aws/` matches the directory `x/.aws` and all below it.
 * - A pattern with a slash is anchored at the workspace root: `.github/workflows/*.yml`.
 * - A trailing slash matches directories (and so everything inside them).
 * - `*` and `?` never cross a slash; `**` does.
 */
export interface PathPattern {
  readonly source: string;
  /** True when `relPath` (posix, relative to the root) or one of its parents matches. */
  matches(relPath: string, isDirectory?: boolean): boolean;
}

export function compilePattern(source: string): PathPattern {
  let body = source.trim();
  const directoryOnly = body.endsWith('/');
  if (directoryOnly) body = body.slice(0, -1);
  const anchored = body.includes('/');
  if (body.startsWith('/')) body = body.slice(1);
  const re = new RegExp(`^${toRegExp(body)}$`);

  const matchesOne = (candidate: string): boolean => re.test(candidate);

  return {
    source,
    matches(relPath: string, isDirectory = false): boolean {
      const parts = relPath.split('/');
      // Every prefix is a directory; the full path is a directory only when said so.
      for (let i = 1; i <= parts.length; i++) {
        const isDir = i < parts.length || isDirectory;
        if (directoryOnly && !isDir) continue;
        const candidate = anchored ? parts.slice(0, i).join('/') : parts[i - 1]!;
        if (matchesOne(candidate)) return true;
      }
      return false;
    },
  };
}

export function compilePatterns(sources: readonly string[]): (relPath: string, isDirectory?: boolean) => string | undefined {
  const patterns = sources.map(compilePattern);
  return (relPath, isDirectory) => patterns.find((p) => p.matches(relPath, isDirectory))?.source;
}

function toRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more directories; a bare `**` matches anything.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return out;
}
