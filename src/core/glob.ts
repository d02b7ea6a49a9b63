/**
 * Path patterns for the excluded and risky path lists of the policy, with the rules of
 * `.gitignore` (implemented by the `ignore` package, which follows git's own matcher):
 *
 * - A pattern without a slash (other than a trailing one) matches a name at any depth:
 *   `*.pem` matches `a/b/c.pem`, `.aws/` matches the directory `x/.aws` and all below it.
 * - A pattern with a slash in the middle or at the start is anchored at the workspace root:
 *   `.github/workflows/*.yml`. Start it with `**\/` to match at any depth: `**\/.kube/config`.
 * - A trailing slash matches only directories (and so everything inside them).
 * - `*` and `?` never cross a slash; `**` does; `[Dd]` is a character class.
 * - A later `!pattern` takes back what an earlier pattern matched (`.env*` then
 *   `!.env.example`), except inside a directory that is itself matched, as in git.
 * - `\#` and `\!` start a pattern with a literal `#` or `!`; a line starting with `#` is a comment.
 *
 * Letter case is ignored, unlike git on Linux: the workspace may live on a case-insensitive file
 * system where `.ENV` is `.env`, and for both lists a match is the safe side (one more file
 * left out of the copy, one more change held back from "approve all").
 */
import * as path from 'node:path';
import ignore from 'ignore';

/** Returns the pattern that decided a path matches, or undefined when none does. */
export type PathMatcher = (relPath: string, isDirectory?: boolean) => string | undefined;

export interface PathPattern {
  readonly source: string;
  /** True when `relPath` (posix, relative to the root) or one of its parents matches. */
  matches(relPath: string, isDirectory?: boolean): boolean;
}

export function compilePattern(source: string): PathPattern {
  const match = compilePatterns([source]);
  return { source, matches: (relPath, isDirectory) => match(relPath, isDirectory) !== undefined };
}

/**
 * Compiles a pattern list once; the matcher answers with the pattern that decided (the last
 * one that matches the path or one of its parent directories, as `git check-ignore -v` says).
 */
export function compilePatterns(sources: readonly string[]): PathMatcher {
  // The mark carries each pattern's index, so the answer is the source exactly as written.
  const matcher = ignore().add(sources.map((pattern, i) => ({ pattern, mark: String(i) })));
  return (relPath, isDirectory = false) => {
    const clean = plainRelative(relPath);
    if (clean === undefined) return undefined;
    const rule = matcher.test(isDirectory ? `${clean}/` : clean).rule;
    return rule ? sources[Number(rule.mark)] : undefined;
  };
}

/**
 * The path as the matcher wants it: relative, normalised, without a trailing slash. A leading
 * slash means the workspace root; a path that leaves the root is matched by no pattern.
 */
function plainRelative(relPath: string): string | undefined {
  const normal = path.posix.normalize(relPath.replace(/^\/+/, ''));
  const trimmed = normal.replace(/\/+$/, '');
  if (trimmed === '' || trimmed === '.' || trimmed === '..' || trimmed.startsWith('../')) return undefined;
  return trimmed;
}
