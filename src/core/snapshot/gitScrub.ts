/**
 * Git keeps working in the sandbox: `.git` is copied, but without the credentials a
 * repository's configuration can hold. This module decides which files under `.git` are
 * rewritten or left out, and rewrites a git configuration file; copy.ts does the copying.
 *
 * What is taken out of a configuration file (`.git/config`, `config.worktree`, and those of
 * submodules and worktrees under `.git/modules/` and `.git/worktrees/`):
 * - user names and passwords in URLs (`https://user:token@host/` becomes `https://host/`;
 *   for ssh a bare user name stays, `ssh://git@host/`), and query parameters that name a
 *   token, key, signature or password, in every value and every subsection;
 * - whole sections whose subsection is such a URL (`[url "https://x:token@host/"]` with its
 *   `insteadOf`, `[http "https://token@host/"]`);
 * - `credential` sections (helpers, user names, stored answers);
 * - variables whose name says they hold a secret: `http.extraHeader` and `http.<url>.extraHeader`
 *   (often `Authorization: Bearer ...`), and anything named pass, token, secret, cookie or
 *   credential (`sendemail.smtpPass`, `github.oauthToken`, `core.askPass`);
 * - `include` and `includeIf` sections, all of them. An included file is outside this scrub's
 *   reach: outside the repository it does not exist in the sandbox, and inside it, under any
 *   name, it would be read unscrubbed and could bring back what was taken out. The sandbox's
 *   git therefore runs with the repository's own settings only.
 * - comments, which nothing needs and which can quote a token.
 *
 * The parser follows git's syntax (sections, quoted and old-style subsections, variables on the
 * header's line, quoted values, escapes, backslash continuations, inline comments) and is
 * conservative: what it cannot read is dropped, never copied as it is (from the first line
 * it cannot read to the end, as git would refuse the file anyway). What it keeps it writes
 * back in a canonical form, every value quoted. Files under `.git` whose name says
 * credential (some helpers keep a `.git/credentials` store) are left out of the copy.
 */

/** What the copy does with a workspace path beyond the policy's exclusions. */
export type GitFileTreatment = 'scrubConfig' | 'leaveOut';

const CONFIG_NAMES = new Set(['config', 'config.worktree']);
/** Folders of a git directory whose files are data (objects, refs, logs), never configuration. */
const DATA_FOLDERS = new Set(['objects', 'refs', 'logs', 'hooks', 'info', 'lfs']);

/** How the copy treats `relPath` (posix, relative): scrubbed, left out, or copied as it is. */
export function gitFileTreatment(relPath: string): GitFileTreatment | undefined {
  const parts = relPath.split('/');
  let gitAt = -1;
  // The innermost `.git`, so a nested repository's files are judged by their own git directory.
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i]!.toLowerCase() === '.git') {
      gitAt = i;
      break;
    }
  }
  if (gitAt < 0) return undefined;
  const inside = parts.slice(gitAt + 1);
  const name = inside[inside.length - 1]!;
  if (inside.slice(0, -1).some((p) => DATA_FOLDERS.has(p.toLowerCase()))) return undefined;
  if (/credential|netrc/i.test(name)) return 'leaveOut';
  if (CONFIG_NAMES.has(name.toLowerCase())) return 'scrubConfig';
  return undefined;
}

/** Variable names (the last part, lower case) that hold secrets. */
const SECRET_KEY = /extraheader|pass|token|secret|cookie|credential/;
/** Sections dropped whole. */
const DROPPED_SECTIONS = new Set(['credential', 'include', 'includeif']);
/** Schemes whose user name is itself a credential (a token); for the others it is an account. */
const USER_IS_SECRET = /^(https?|ftps?)$/i;
/** A query parameter whose name says it carries a secret. */
const SECRET_PARAM = /[?&][^=&#]*(token|key|secret|pass|auth|sig|access|credential)[^=&#]*=/i;
const URL = /([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\s"']*)([^?#\s"']*)(\?[^#\s"']*)?/g;

/** Takes credentials out of every URL in `text`: user info, and queries that carry a secret. */
export function scrubUrls(text: string): string {
  return text.replace(URL, (_m, scheme: string, authority: string, rest: string, query: string | undefined) => {
    const at = authority.lastIndexOf('@');
    let host = authority;
    if (at >= 0) {
      const user = authority.slice(0, at);
      host = authority.slice(at + 1);
      if (!USER_IS_SECRET.test(scheme) && !user.includes(':') && !user.includes('%3a') && !user.includes('%3A')) host = `${user}@${host}`;
    }
    const keptQuery = query && !SECRET_PARAM.test(query) ? query : '';
    return `${scheme}://${host}${rest}${keptQuery}`;
  });
}

class ConfigSyntaxError extends Error {}

/** Reads git configuration text; `at` is the cursor. */
class ConfigReader {
  at = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.at >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.at];
  }

  skipBlanks(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.at++;
  }

  skipLine(): void {
    const nl = this.text.indexOf('\n', this.at);
    this.at = nl < 0 ? this.text.length : nl + 1;
  }

  /** `[name]`, `[name "sub"]` or the old `[name.sub]`; the cursor ends after `]`. */
  header(): { section: string; subsection?: string } {
    this.at++; // [
    this.skipBlanks();
    const nameMatch = /^[A-Za-z0-9.-]+/.exec(this.text.slice(this.at, this.at + 256));
    if (!nameMatch) throw new ConfigSyntaxError('section name');
    this.at += nameMatch[0].length;
    let section = nameMatch[0].toLowerCase();
    let subsection: string | undefined;
    this.skipBlanks();
    if (this.peek() === '"') {
      this.at++;
      subsection = '';
      for (;;) {
        const c = this.text[this.at++];
        if (c === undefined || c === '\n') throw new ConfigSyntaxError('subsection');
        if (c === '"') break;
        if (c === '\\') {
          const next = this.text[this.at++];
          if (next === undefined || next === '\n') throw new ConfigSyntaxError('subsection');
          subsection += next;
        } else subsection += c;
      }
      this.skipBlanks();
    } else if (section.includes('.')) {
      const dot = section.indexOf('.');
      subsection = section.slice(dot + 1);
      section = section.slice(0, dot);
    }
    if (this.peek() !== ']') throw new ConfigSyntaxError('header');
    this.at++;
    return subsection === undefined ? { section } : { section, subsection };
  }

  /** A variable: its name, and its value (undefined for a bare name, which means true). */
  variable(): { name: string; value?: string } {
    const nameMatch = /^[A-Za-z][A-Za-z0-9-]*/.exec(this.text.slice(this.at, this.at + 256));
    if (!nameMatch) throw new ConfigSyntaxError('variable name');
    this.at += nameMatch[0].length;
    this.skipBlanks();
    const c = this.peek();
    if (c === undefined || c === '\n' || c === '#' || c === ';') {
      this.skipLine();
      return { name: nameMatch[0] };
    }
    if (c !== '=') throw new ConfigSyntaxError('variable');
    this.at++;
    return { name: nameMatch[0], value: this.value() };
  }

  /** A value as git reads it; the cursor ends after its line. */
  private value(): string {
    let out = '';
    let pendingSpace = '';
    let quoted = false;
    let comment = false;
    for (;;) {
      const c = this.text[this.at++];
      if (c === undefined || c === '\n') {
        if (quoted) throw new ConfigSyntaxError('unterminated quote');
        return out;
      }
      if (comment) continue;
      if ((c === ' ' || c === '\t') && !quoted) {
        if (out !== '') pendingSpace += c;
        continue;
      }
      if (!quoted && (c === '#' || c === ';')) {
        comment = true;
        continue;
      }
      out += pendingSpace;
      pendingSpace = '';
      if (c === '\\') {
        const next = this.text[this.at++];
        if (next === '\n') continue;
        if (next === 'n') out += '\n';
        else if (next === 't') out += '\t';
        else if (next === 'b') out += '\b';
        else if (next === '\\' || next === '"') out += next;
        else throw new ConfigSyntaxError('escape');
        continue;
      }
      if (c === '"') {
        quoted = !quoted;
        continue;
      }
      out += c;
    }
  }
}

function quote(value: string): string {
  return `"${value.replace(/[\\"\n\t\b]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\b': '\\b' })[c]!)}"`;
}

function headerText(section: string, subsection: string | undefined): string {
  return subsection === undefined ? `[${section}]` : `[${section} ${quote(subsection)}]`;
}

/**
 * The configuration without its credentials (see the module comment). Bytes are kept as they
 * are (latin1 in, latin1 out), so names and values in any encoding survive.
 */
export function scrubGitConfig(content: Buffer): Buffer {
  const reader = new ConfigReader(content.toString('latin1').replace(/\r\n/g, '\n'));
  const out: string[] = [];
  // No section yet, or one that is dropped or could not be read: its variables are dropped.
  let keep = false;
  let pendingHeader: string | undefined;
  while (!reader.done) {
    reader.skipBlanks();
    const c = reader.peek();
    if (c === undefined) break;
    if (c === '\n' || c === '#' || c === ';') {
      reader.skipLine();
      continue;
    }
    try {
      if (c === '[') {
        const { section, subsection } = reader.header();
        keep = !DROPPED_SECTIONS.has(section) && (subsection === undefined || scrubUrls(subsection) === subsection);
        // A section is written only once it has a variable left, so a dropped one leaves no trace.
        pendingHeader = keep ? headerText(section, subsection) : undefined;
        continue; // a variable may follow on the same line
      }
      const { name, value } = reader.variable();
      if (!keep || SECRET_KEY.test(name.toLowerCase())) continue;
      if (pendingHeader !== undefined) {
        out.push(pendingHeader);
        pendingHeader = undefined;
      }
      out.push(value === undefined ? `\t${name}` : `\t${name} = ${quote(scrubUrls(value))}`);
    } catch (err) {
      if (!(err instanceof ConfigSyntaxError)) throw err;
      // Git itself refuses such a file. Where a line cannot be read, neither can where the next
      // one starts (a broken quote or continuation may run on): the rest is dropped.
      break;
    }
  }
  return Buffer.from(out.length ? `${out.join('\n')}\n` : '', 'latin1');
}
