/** Test helper: every entry of a tree as `path type mode content-or-target`, sorted. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function treeLines(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(root, r));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.push(`${r} dir ${mode}`);
        walk(r);
      } else if (st.isSymbolicLink()) out.push(`${r} link -> ${fs.readlinkSync(path.join(root, r))}`);
      else out.push(`${r} file ${mode} ${fs.readFileSync(path.join(root, r), 'utf8')}`);
    }
  };
  walk('');
  return out.sort();
}
