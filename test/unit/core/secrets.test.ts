// Secrets never reach the sandbox's copy: the default exclusions catch them where they live,
// at the root or deeper, and leave ordinary files alone; git's configuration is copied
// without its credentials.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compilePatterns } from '../../../src/core/glob';
import { DEFAULT_EXCLUDES } from '../../../src/core/policy';
import { copyTree } from '../../../src/core/snapshot/copy';
import { gitFileTreatment, scrubGitConfig } from '../../../src/core/snapshot/gitScrub';

const isExcluded = compilePatterns(DEFAULT_EXCLUDES);

/** Files that hold secrets, as they are found in workspaces. */
const SECRETS = [
  '.env',
  '.env.local',
  'app/.env.production',
  'prod.env',
  'deploy/staging.env',
  '.envrc',
  'tls/server.pem',
  'tls/server.key',
  'certs/client.p12',
  'certs/client.pfx',
  'android/release.jks',
  'android/app/debug.keystore',
  'AuthKey_ABC123.p8',
  'vpn/office.ovpn',
  'id_rsa',
  'keys/id_rsa.pub',
  'id_dsa',
  'backup/id_dsa.old',
  'id_ecdsa',
  'id_ed25519',
  'home/.ssh/known_hosts',
  '.npmrc',
  'packages/web/.npmrc',
  '.yarnrc.yml',
  'bunfig.toml',
  '.pypirc',
  'pip.conf',
  '.cargo/credentials.toml',
  'tools/.cargo/credentials',
  '.gem/credentials',
  '.m2/settings.xml',
  'gradle.properties',
  'android/gradle.properties',
  '.netrc',
  '_netrc',
  '.git-credentials',
  '.pgpass',
  '.my.cnf',
  '.htpasswd',
  '.config/gh/hosts.yml',
  'home/.config/gh/hosts.yml',
  '.aws/credentials',
  'home/.azure/accessTokens.json',
  '.config/gcloud/application_default_credentials.json',
  'application_default_credentials.json',
  'keys/service-account-prod.json',
  'credentials.json',
  '.docker/config.json',
  'ops/.docker/config.json',
  '.kube/config',
  'ops/.kube/config',
  'kubeconfig',
  'clusters/kubeconfig-prod.yaml',
  '.vault-token',
  'infra/terraform.tfstate',
  'infra/terraform.tfstate.backup',
  'infra/prod.tfvars',
  '.terraformrc',
  'config/secrets.yml',
  'k8s/secrets.yaml',
  '.streamlit/secrets.toml',
];

/** Ordinary files that must stay in the copy. */
const ORDINARY = [
  '.env.example',
  'app/.env.sample',
  '.env.template',
  'src/credentials/index.ts',
  'src/env.ts',
  'docs/keys.md',
  'package.json',
  '.docker/daemon-notes.md',
  'ops/kube/deployment.yaml',
  'src/ssh/client.go',
  'infra/main.tf',
  'infra/prod.tfvars.example',
  'README.md',
  '.gitignore',
];

describe('default exclusions', () => {
  for (const secret of SECRETS) {
    it(`leave out ${secret}`, () => {
      assert.ok(isExcluded(secret, false), `${secret} would reach the sandbox`);
    });
  }

  it('keep ordinary files, including the templates of environment files', () => {
    const wronglyExcluded = ORDINARY.filter((p) => isExcluded(p, false));
    assert.deepEqual(wronglyExcluded, []);
  });

  it('leave out a secret folder as a whole, so nothing inside it is even listed', () => {
    for (const dir of ['.aws', 'home/.ssh', '.gnupg', '.kube', 'ops/.config/gcloud']) {
      assert.ok(isExcluded(dir, true), `${dir}/ would be walked`);
    }
  });
});

describe('git configuration scrub', () => {
  const TOKEN = 'ghp_S3cr3tT0ken';
  const CONFIG = [
    '# cloned with https://me:ghp_S3cr3tT0ken@github.com/acme/app.git',
    '[core]',
    '\trepositoryformatversion = 0',
    '\tbare = false',
    '\tlogallrefupdates',
    '[remote "origin"]',
    `\turl = https://me:${TOKEN}@github.com/acme/app.git ; inline comment`,
    '\tfetch = +refs/heads/*:refs/remotes/origin/*',
    `\tpushurl = https://${TOKEN}@github.com/acme/app.git`,
    '[remote "mirror"]',
    '\turl = ssh://git@git.example.com/acme/app.git',
    `[remote "api"]\n\turl = "https://git.example.com/app.git?private_token=${TOKEN}&ref=main"`,
    '[branch "main"]',
    '\tremote = origin',
    '\tmerge = refs/heads/main',
    '[credential]',
    '\thelper = store',
    '\tusername = me',
    '[credential "https://github.com"]',
    `\thelper = "!f() { echo password=${TOKEN}; }; f"`,
    '[http]',
    `\textraheader = AUTHORIZATION: bearer ${TOKEN}`,
    '\tsslVerify = true',
    '[http "https://github.com/"]',
    `\textraHeader = Authorization: Basic ${TOKEN}`,
    `[url "https://x-access-token:${TOKEN}@github.com/"]`,
    '\tinsteadOf = https://github.com/',
    '[url "git@github.com:"]',
    '\tpushInsteadOf = https://github.com/',
    '[include]',
    '\tpath = ~/.gitconfig-secrets',
    '[includeIf "gitdir:~/work/"]',
    '\tpath = ../work.gitconfig',
    '[sendemail]',
    `\tsmtpPass = ${TOKEN}`,
    '\tsmtpServer = smtp.example.com',
    '[github]',
    `\toauthToken = ${TOKEN}`,
    '[alias]',
    '\tst = status --short \\',
    '\t\t--branch',
    '[Credential.https://old.example.com]',
    `\tusername = ${TOKEN}`,
    '',
  ].join('\n');

  it('takes every credential out and keeps what git needs', () => {
    const out = scrubGitConfig(Buffer.from(CONFIG)).toString();
    assert.doesNotMatch(out, /S3cr3t/, `a token survived:\n${out}`);
    assert.doesNotMatch(out, /credential|include|extraheader|smtpPass|oauthToken|^#/im);
    assert.match(
      out,
      /\[remote "origin"\]\n\turl = "https:\/\/github\.com\/acme\/app\.git"\n\tfetch = "\+refs\/heads\/\*:refs\/remotes\/origin\/\*"\n\tpushurl = "https:\/\/github\.com\/acme\/app\.git"/,
    );
    assert.match(out, /url = "ssh:\/\/git@git\.example\.com\/acme\/app\.git"/, 'an ssh account name stays');
    assert.match(out, /url = "https:\/\/git\.example\.com\/app\.git"/, 'a query that carries a token goes');
    assert.match(out, /\[http\]\n\tsslVerify = "true"/);
    assert.match(out, /\[url "git@github\.com:"\]\n\tpushInsteadOf = "https:\/\/github\.com\/"/, 'an insteadOf without a credential stays');
    assert.match(out, /\tsmtpServer = "smtp\.example\.com"/);
    assert.match(out, /\tlogallrefupdates\n/, 'a bare boolean stays bare');
    assert.match(out, /\tst = "status --short \\t\\t--branch"/, 'a continued value is read whole, its tabs written as escapes');
  });

  it('writes a file git reads, with the same settings git saw minus the credentials', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'git-scrub-'));
    try {
      const file = path.join(dir, 'config');
      fs.writeFileSync(file, scrubGitConfig(Buffer.from(CONFIG)));
      const listed = spawnSync('git', ['config', '--file', file, '--list'], { encoding: 'utf8' });
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(listed.stdout, /^remote\.origin\.url=https:\/\/github\.com\/acme\/app\.git$/m);
      assert.match(listed.stdout, /^branch\.main\.merge=refs\/heads\/main$/m);
      assert.match(listed.stdout, /^alias\.st=status --short \t\t--branch$/m);
      assert.doesNotMatch(listed.stdout, /S3cr3t|credential|include/i);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops the rest of a file from the first line it cannot read', () => {
    const broken = `[remote "origin"]\n\turl = https://github.com/a.git\n\tbad = "unterminated\n\tglpat-${TOKEN}\n[core]\n\tbare = false\n`;
    const out = scrubGitConfig(Buffer.from(broken)).toString();
    assert.equal(out, '[remote "origin"]\n\turl = "https://github.com/a.git"\n');
  });

  it('keeps bytes that are not UTF-8 as they are', () => {
    const raw = Buffer.concat([Buffer.from('[user]\n\tname = Jos'), Buffer.from([0xe9]), Buffer.from('\n')]);
    assert.deepEqual(scrubGitConfig(raw), Buffer.concat([Buffer.from('[user]\n\tname = "Jos'), Buffer.from([0xe9]), Buffer.from('"\n')]));
  });

  it('scrubs the configuration files of the repository, its submodules and worktrees, and nothing in its data', () => {
    for (const p of [
      '.git/config',
      '.git/config.worktree',
      '.git/modules/lib/config',
      '.git/modules/a/modules/b/config',
      '.git/worktrees/w1/config.worktree',
      'vendor/x/.git/config',
    ]) {
      assert.equal(gitFileTreatment(p), 'scrubConfig', p);
    }
    for (const p of ['.git/credentials', '.git/.git-credentials', '.git/modules/lib/credentials', '.git/.netrc']) {
      assert.equal(gitFileTreatment(p), 'leaveOut', p);
    }
    for (const p of [
      '.git/refs/heads/config',
      '.git/logs/refs/heads/credentials-fix',
      '.git/HEAD',
      '.git/hooks/config',
      'config',
      'src/.gitconfig',
      '.git',
    ]) {
      assert.equal(gitFileTreatment(p), undefined, p);
    }
  });
});

describe('the base copy of a repository', () => {
  const TOKEN = 'ghp_C0pyT0ken';
  const rawConfig = (url: string) => `[core]\n\tbare = false\n[remote "origin"]\n\turl = ${url}\n[credential]\n\thelper = store\n`;

  function repoWorkspace(): string {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-ws-'));
    fs.mkdirSync(path.join(ws, '.git', 'modules', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(ws, '.git', 'config'), rawConfig(`https://me:${TOKEN}@github.com/acme/app.git`));
    fs.writeFileSync(path.join(ws, '.git', 'modules', 'lib', 'config'), rawConfig(`https://${TOKEN}@github.com/acme/lib.git`));
    fs.writeFileSync(path.join(ws, '.git', 'credentials'), `https://me:${TOKEN}@github.com\n`);
    fs.writeFileSync(path.join(ws, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(ws, 'README.md'), '# app\n');
    return ws;
  }

  /** Every file of a tree with its content, for a search for the token. */
  function allText(root: string): string {
    return (fs.readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[])
      .filter((rel) => fs.lstatSync(path.join(root, rel)).isFile())
      .map((rel) => `${rel}:\n${fs.readFileSync(path.join(root, rel), 'utf8')}`)
      .join('\n');
  }

  it("holds git's configuration without credentials, and no credential file", async () => {
    const ws = repoWorkspace();
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-base-'));
    try {
      const report = await copyTree(ws, base, { isExcluded: () => undefined });
      assert.doesNotMatch(allText(base), /C0pyT0ken/);
      assert.ok(!fs.existsSync(path.join(base, '.git', 'credentials')));
      assert.ok(report.excluded.includes('.git/credentials'));
      assert.match(fs.readFileSync(path.join(base, '.git', 'config'), 'utf8'), /url = "https:\/\/github\.com\/acme\/app\.git"/);
      assert.match(
        fs.readFileSync(path.join(base, '.git', 'modules', 'lib', 'config'), 'utf8'),
        /url = "https:\/\/github\.com\/acme\/lib\.git"/,
      );
      assert.equal(fs.readFileSync(path.join(base, '.git', 'HEAD'), 'utf8'), 'ref: refs/heads/main\n', "git's data is copied as it is");
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('a refresh scrubs a configuration that changed, and one an older copy left raw', async () => {
    const ws = repoWorkspace();
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-base-'));
    try {
      const first = await copyTree(ws, base, { isExcluded: () => undefined });
      // A copy made before the scrub existed: raw configuration, and a record that trusts it.
      fs.writeFileSync(path.join(base, '.git', 'modules', 'lib', 'config'), rawConfig(`https://${TOKEN}@github.com/acme/lib.git`));
      const copyStat = fs.lstatSync(path.join(base, '.git', 'modules', 'lib', 'config'));
      const key = '.git/modules/lib/config';
      const record = first.manifest.entries.get(key)!;
      first.manifest.entries.set(key, { ...record, copyIno: copyStat.ino, copyCtimeMs: copyStat.ctimeMs });
      // The real configuration changes: a new remote with a new token.
      fs.appendFileSync(path.join(ws, '.git', 'config'), `[remote "fork"]\n\turl = https://me:${TOKEN}2@github.com/me/app.git\n`);
      const aged = { ...first.manifest, startedAtMs: first.manifest.startedAtMs + 60_000 };
      await copyTree(ws, base, { isExcluded: () => undefined, previous: aged });
      assert.doesNotMatch(allText(base), /C0pyT0ken/);
      assert.match(
        fs.readFileSync(path.join(base, '.git', 'config'), 'utf8'),
        /\[remote "fork"\]\n\turl = "https:\/\/github\.com\/me\/app\.git"/,
      );
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('does not copy a git configuration that is a symlink: its target would go unscrubbed', async () => {
    const ws = repoWorkspace();
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-base-'));
    try {
      fs.renameSync(path.join(ws, '.git', 'config'), path.join(ws, 'shared-config'));
      fs.symlinkSync('../shared-config', path.join(ws, '.git', 'config'));
      const report = await copyTree(ws, base, { isExcluded: () => undefined });
      assert.ok(!fs.existsSync(path.join(base, '.git', 'config')) && !isSymlink(path.join(base, '.git', 'config')));
      assert.deepEqual(
        report.skipped.map((s) => s.path),
        ['.git/config'],
      );
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
