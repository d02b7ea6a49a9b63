/**
 * Secrets never reach the sandbox: a workspace full of secret files, and a repository whose
 * configuration carries a token, is started on the real engine; from inside the container no
 * secret file is there, the token is nowhere in the copy, and git still works.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SandboxSession } from '../../../src/core/session/session';
import { sh, startBatterySession, type BatterySession } from '../support/battery';

const TOKEN = 'battery-secret-7f3a9c';

/** Secret files at the root and deeper, each holding the token. */
const SECRET_PATHS = [
  '.env',
  'app/.env.production',
  'deploy/prod.env',
  '.envrc',
  'tls/server.pem',
  'tls/server.key',
  'android/release.jks',
  'android/gradle.properties',
  'id_rsa',
  'keys/id_dsa',
  '.ssh/id_ed25519',
  '.npmrc',
  'web/.yarnrc.yml',
  'bunfig.toml',
  'pip.conf',
  '.cargo/credentials.toml',
  '.gem/credentials',
  '.m2/settings.xml',
  '.pgpass',
  '.my.cnf',
  '_netrc',
  '.netrc',
  '.git-credentials',
  '.config/gh/hosts.yml',
  '.aws/credentials',
  'ops/.kube/config',
  'ops/.docker/config.json',
  'clusters/kubeconfig-prod',
  'infra/terraform.tfstate',
  'infra/prod.tfvars',
  '.terraformrc',
  'keys/service-account-ci.json',
  'application_default_credentials.json',
  'config/secrets.yml',
  '.vault-token',
];

const WORKSPACE: Record<string, string> = {
  'src/app.js': 'console.log("app");\n',
  '.env.example': 'API_KEY=changeme\n',
  ...Object.fromEntries(SECRET_PATHS.map((p) => [p, `token=${TOKEN}\n`])),
};

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', ['-C', cwd, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
}

/** A repository with one commit, whose configuration holds the token in every usual place. */
function makeRepository(ws: string): void {
  git(ws, 'init', '-q', '-b', 'main');
  git(ws, '-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'add', 'src/app.js', '.env.example');
  git(ws, '-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'first');
  git(ws, 'remote', 'add', 'origin', `https://me:${TOKEN}@github.com/acme/app.git`);
  fs.appendFileSync(
    path.join(ws, '.git', 'config'),
    [
      '[credential]',
      '\thelper = store',
      '[http "https://github.com/"]',
      `\textraheader = AUTHORIZATION: basic ${TOKEN}`,
      `[url "https://x-access-token:${TOKEN}@github.com/"]`,
      '\tinsteadOf = https://github.com/',
      '[include]',
      '\tpath = ../.gitconfig-local',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(ws, '.git', 'credentials'), `https://me:${TOKEN}@github.com\n`);
}

let battery: BatterySession;
let session: SandboxSession;

before(async () => {
  battery = await startBatterySession(WORKSPACE, {}, makeRepository);
  session = battery.session;
});

after(() => battery?.dispose());

describe('secrets in the workspace', () => {
  test('no secret file is in the sandbox, and the templates and the code are', async () => {
    const r = await sh(session, 'for p in "$@"; do if [ -e "/workspace/$p" ]; then echo "$p"; fi; done', { args: SECRET_PATHS });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '', `secret files reached the sandbox:\n${r.out}`);
    const kept = await sh(session, 'cat /workspace/src/app.js /workspace/.env.example');
    assert.equal(kept.out, 'console.log("app");\nAPI_KEY=changeme\n');
  });

  test('the token is nowhere in the copy, .git included', async () => {
    const r = await sh(session, 'grep -rl -- "$1" /workspace; echo "grep exit $?"', { args: [TOKEN] });
    assert.equal(r.out, 'grep exit 1\n', `the token was found in:\n${r.out}`);
    const cred = await sh(session, 'test -e /workspace/.git/credentials; echo $?');
    assert.equal(cred.out.trim(), '1', '.git/credentials reached the sandbox');
  });

  test('git still works: status, log, the remote without its credentials, and a commit', async () => {
    const status = await sh(session, 'cd /workspace && git status --porcelain=v1 --untracked-files=no && git log --format=%s');
    assert.equal(status.code, 0, status.err);
    assert.equal(status.out, 'first\n');
    const remote = await sh(
      session,
      'cd /workspace && git remote get-url origin && git config --get-regexp "^(credential|include|url)\\." ; true',
    );
    assert.equal(remote.out, 'https://github.com/acme/app.git\n');
    const commit = await sh(
      session,
      'cd /workspace && echo more >> src/app.js && git -c user.name=Agent -c user.email=agent@example.com commit -qam second && git log --format=%s',
    );
    assert.equal(commit.code, 0, commit.err);
    assert.equal(commit.out, 'second\nfirst\n');
  });
});
