// Secrets never reach the sandbox's copy: the default exclusions catch them where they live,
// at the root or deeper, and leave ordinary files alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePatterns } from '../../../src/core/glob';
import { DEFAULT_EXCLUDES } from '../../../src/core/policy';

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
