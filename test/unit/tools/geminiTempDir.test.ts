/**
 * Finding Gemini CLI's project temp folder, where a routed read_file's copy goes: only a
 * real folder of this user whose `.project_root` names the project counts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { geminiProjectTempDir, geminiReadsDir } from '../../../src/core/tools/geminiTempDir';

describe("Gemini CLI's project temp folder", () => {
  const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-gemini-temp-')));
  after(() => fs.rmSync(home, { recursive: true, force: true }));
  const project = path.join(home, 'work', 'my-project');
  const tmp = path.join(home, '.gemini', 'tmp');
  const temp = path.join(tmp, 'my-project');
  fs.mkdirSync(project, { recursive: true });
  fs.mkdirSync(path.join(temp, 'chats'), { recursive: true });
  fs.writeFileSync(path.join(temp, '.project_root'), project);
  const transcript = path.join(temp, 'chats', 'session-1.jsonl');

  it('is the folder above the transcript when its .project_root names the project', () => {
    assert.equal(geminiProjectTempDir(project, transcript, home), temp);
    assert.equal(geminiReadsDir(temp), path.join(temp, 'agent-sandbox-reads'));
  });

  it('is found through ~/.gemini/projects.json when the transcript path is empty', () => {
    fs.writeFileSync(path.join(home, '.gemini', 'projects.json'), JSON.stringify({ projects: { [project]: 'my-project' } }));
    assert.equal(geminiProjectTempDir(project, '', home), temp);
    assert.equal(geminiProjectTempDir(project, undefined, home), temp);
  });

  it('is not established for another project, a relative cwd, or a registry name that leaves tmp', () => {
    assert.equal(geminiProjectTempDir(path.join(home, 'other'), transcript, home), undefined);
    assert.equal(geminiProjectTempDir('my-project', transcript, home), undefined);
    const other = path.join(home, 'work', 'escape');
    fs.writeFileSync(path.join(home, '.gemini', 'projects.json'), JSON.stringify({ projects: { [other]: '../../work' } }));
    assert.equal(geminiProjectTempDir(other, '', home), undefined);
  });

  it('is not a link, even one to a folder that claims the project', () => {
    const linked = path.join(tmp, 'linked');
    fs.symlinkSync(temp, linked);
    assert.equal(geminiProjectTempDir(project, path.join(linked, 'chats', 'session-2.jsonl'), path.join(home, 'nohome')), undefined);
  });

  it('is not a folder whose .project_root is a link', () => {
    const fake = path.join(tmp, 'fake');
    fs.mkdirSync(path.join(fake, 'chats'), { recursive: true });
    fs.symlinkSync(path.join(temp, '.project_root'), path.join(fake, '.project_root'));
    assert.equal(geminiProjectTempDir(project, path.join(fake, 'chats', 's.jsonl'), path.join(home, 'nohome')), undefined);
  });
});
