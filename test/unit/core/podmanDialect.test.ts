import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { engineKindOf, resolveEndpoint, type EngineInfo } from '../../../src/core/engine/connection';
import { assertEngineCanConfine, dialectFor } from '../../../src/core/engine/dialect';
import { hardenedCreateOptions, verifyHardening, type HardenedContainerInput } from '../../../src/core/engine/hardening';
import { SANDBOX_SECCOMP_JSON, SANDBOX_SECCOMP_OPT, seccompProblem, writeProfileFile } from '../../../src/core/engine/seccomp';
import { DEFAULT_POLICY } from '../../../src/core/policy';

function engine(over: Partial<EngineInfo> & { url?: string }): EngineInfo {
  const url = over.url ?? 'unix:///run/podman/podman.sock';
  return {
    endpoint: { url, source: 'DOCKER_HOST', local: url.startsWith('unix://') },
    version: '4.3.1',
    os: 'linux',
    storageDriver: 'overlay',
    runtimeEntries: [],
    defaultRuntime: 'crun',
    cgroupVersion: '2',
    kind: 'podman',
    rootless: false,
    ...over,
  } as EngineInfo;
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'podman-dialect-'));

describe('the seccomp profile passed as a file (Podman)', () => {
  it('is written once under a name that carries its fingerprint, and read back as the sandbox profile', () => {
    const dir = tmp();
    const file = writeProfileFile(dir);
    assert.equal(path.dirname(file), dir);
    assert.match(path.basename(file), /^seccomp-[0-9a-f]{12}\.json$/);
    assert.equal(fs.readFileSync(file, 'utf8'), SANDBOX_SECCOMP_JSON);
    const mtime = fs.statSync(file).mtimeMs;
    assert.equal(writeProfileFile(dir), file);
    assert.equal(fs.statSync(file).mtimeMs, mtime, 'a file that already holds the profile is kept');
    assert.equal(seccompProblem(['no-new-privileges:true', `seccomp=${file}`], file), undefined);
  });

  it('replaces a file at that name that holds something else, and a symlink there, instead of writing through it', () => {
    const dir = tmp();
    const file = writeProfileFile(dir);
    fs.writeFileSync(file, '{"defaultAction":"SCMP_ACT_ALLOW"}');
    assert.match(seccompProblem([`seccomp=${file}`], file) ?? '', /does not hold the sandbox's profile/);
    assert.equal(writeProfileFile(dir), file);
    assert.equal(fs.readFileSync(file, 'utf8'), SANDBOX_SECCOMP_JSON);

    const elsewhere = path.join(dir, 'elsewhere.json');
    fs.writeFileSync(elsewhere, 'untouched');
    fs.rmSync(file);
    fs.symlinkSync(elsewhere, file);
    assert.match(seccompProblem([`seccomp=${file}`], file) ?? '', /does not hold/, 'a symlink is not followed when checking');
    writeProfileFile(dir);
    assert.equal(fs.readFileSync(elsewhere, 'utf8'), 'untouched');
    assert.ok(fs.lstatSync(file).isFile());
  });

  it('refuses another file, a missing option, two options and unconfined', () => {
    const dir = tmp();
    const file = writeProfileFile(dir);
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, SANDBOX_SECCOMP_JSON);
    assert.match(seccompProblem([`seccomp=${other}`], file) ?? '', /not the sandbox's/);
    assert.match(seccompProblem(['no-new-privileges:true'], file) ?? '', /missing/);
    assert.match(seccompProblem([`seccomp=${file}`, 'seccomp=unconfined'], file) ?? '', /more than one/);
    assert.match(seccompProblem(['seccomp=unconfined'], file) ?? '', /unconfined/);
    // The profile's text where a file is expected is not accepted either.
    assert.match(seccompProblem([`seccomp=${SANDBOX_SECCOMP_JSON}`], file) ?? '', /not the sandbox's/);
  });
});

describe('which engines the sandbox uses, and how', () => {
  it('refuses rootless Podman on cgroup v1, where it cannot limit memory, CPU or processes', () => {
    assert.throws(
      () => assertEngineCanConfine(engine({ rootless: true, cgroupVersion: '1' })),
      (err: Error & { code?: string }) => err.code === 'HARDENING_NOT_APPLIED' && /rootless Podman .* cgroup v1/.test(err.message),
    );
    assert.doesNotThrow(() => assertEngineCanConfine(engine({ rootless: true, cgroupVersion: '2' })));
    assert.doesNotThrow(() => assertEngineCanConfine(engine({ rootless: false, cgroupVersion: '1' })));
    assert.doesNotThrow(() => assertEngineCanConfine(engine({ kind: 'docker', rootless: true, cgroupVersion: '1' })));
  });

  it('passes Docker the profile itself and Podman a file of this machine, and refuses a remote Podman', () => {
    const dir = path.join(tmp(), 'engine');
    assert.equal(dialectFor(engine({ kind: 'docker' }), dir), undefined);
    assert.ok(!fs.existsSync(dir), 'nothing is written for Docker');
    const dialect = dialectFor(engine({}), dir);
    assert.equal(dialect?.kind, 'podman');
    assert.equal(fs.readFileSync(dialect!.seccompFile, 'utf8'), SANDBOX_SECCOMP_JSON);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.throws(
      () => dialectFor(engine({ url: 'ssh://me@build-box' }), dir),
      (err: Error) => /remote Podman/.test(err.message),
    );
  });
});

describe('hardening verification with what Podman reports', () => {
  const dir = tmp();
  const dialect = { kind: 'podman' as const, seccompFile: writeProfileFile(dir), nproc: 32768 };
  const input: HardenedContainerInput = {
    sessionId: 'proj-abc123',
    workspaceRoot: '/home/me/proj',
    stateDir: '/home/me/state/proj',
    image: 'agent-sandbox:1234',
    user: '1000:1000',
    policy: DEFAULT_POLICY,
    workspace: { kind: 'volume', name: 'agent-sandbox-proj-abc123' },
    baseDir: '/home/me/state/proj/base',
    tools: { volume: 'agent-sandbox-tools-1000-1000', writable: false },
    hostEnv: {},
    dialect,
  };
  const expected = hardenedCreateOptions(input);

  /** Shaped as Podman 4.3's compatible API answered for a sandbox on this project's CI machine. */
  function podmanInspect(): Docker.ContainerInspectInfo {
    const host = expected.HostConfig!;
    return {
      Config: {
        User: expected.User,
        Hostname: 'sandbox',
        Env: [...expected.Env!, 'container=podman', 'HOSTNAME=sandbox'],
        Labels: expected.Labels,
      },
      HostConfig: {
        ...host,
        CapDrop: [
          'AUDIT_WRITE',
          'CHOWN',
          'DAC_OVERRIDE',
          'FOWNER',
          'FSETID',
          'KILL',
          'MKNOD',
          'NET_BIND_SERVICE',
          'NET_RAW',
          'SETFCAP',
          'SETGID',
          'SETPCAP',
          'SETUID',
          'SYS_CHROOT',
        ],
        SecurityOpt: ['no-new-privileges', `seccomp=${dialect.seccompFile}`],
        Ulimits: host.Ulimits!.map((u) => ({ ...u, Name: `RLIMIT_${u.Name!.toUpperCase()}` })),
        Runtime: 'oci',
        MaskedPaths: null,
        CgroupnsMode: '',
        Binds: [
          `${input.baseDir}:/run/agent-sandbox/base:ro,rprivate,rbind`,
          'agent-sandbox-proj-abc123:/workspace:rw,rprivate,nosuid,nodev,rbind',
          'agent-sandbox-tools-1000-1000:/opt/agent-tools:ro,rprivate,nosuid,nodev,rbind',
        ],
      },
      Mounts: host.Mounts!.map((m) => ({
        Type: m.Type,
        Name: m.Type === 'volume' ? m.Source : undefined,
        Source: m.Type === 'volume' ? `/var/lib/containers/storage/volumes/${m.Source}/_data` : m.Source,
        Destination: m.Target,
        RW: !m.ReadOnly,
      })),
    } as unknown as Docker.ContainerInspectInfo;
  }

  it('asks Podman for the profile file, a tmpfs home given to the user with U, and a process ulimit', () => {
    const host = expected.HostConfig!;
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges:true', `seccomp=${dialect.seccompFile}`]);
    assert.match(host.Tmpfs!['/home/sandbox']!, /,U$/);
    assert.doesNotMatch(host.Tmpfs!['/home/sandbox']!, /uid=/);
    assert.deepEqual(
      host.Ulimits!.find((u) => u.Name === 'nproc'),
      { Name: 'nproc', Soft: 32768, Hard: 32768 },
    );
    assert.equal(hardenedCreateOptions({ ...input, dialect: undefined }).HostConfig!.Ulimits!.length, 2, 'Docker gets no process ulimit');
  });

  it('accepts what Podman reports when everything took', () => {
    assert.deepEqual(verifyHardening(podmanInspect(), expected, [], dialect), []);
  });

  it('does not accept the same report from Docker (capabilities named, no masked paths, binds)', () => {
    const problems = verifyHardening(
      podmanInspect(),
      { ...expected, HostConfig: { ...expected.HostConfig!, SecurityOpt: ['no-new-privileges:true', SANDBOX_SECCOMP_OPT] } },
      [],
    );
    for (const want of [/capabilities are not all dropped/, /\/proc\/kcore is not masked/, /unexpected binds/, /container/]) {
      assert.ok(
        problems.some((p) => want.test(p)),
        `${want} in ${JSON.stringify(problems)}`,
      );
    }
  });

  const tamper: [string, (i: Docker.ContainerInspectInfo) => void, RegExp][] = [
    [
      'the base copy bound writable',
      (i) => ((i.HostConfig as { Binds: string[] }).Binds[0] = `${input.baseDir}:/run/agent-sandbox/base:rw,rprivate,rbind`),
      /unexpected binds/,
    ],
    [
      'a host folder bound in',
      (i) => (i.HostConfig as { Binds: string[] }).Binds.push('/home/me:/mnt:rw'),
      /unexpected binds: \/home\/me:\/mnt/,
    ],
    ['a capability added', (i) => ((i.HostConfig as { CapAdd: string[] }).CapAdd = ['SYS_ADMIN']), /capabilities were added/],
    [
      'the process ulimit lost',
      (i) =>
        ((i.HostConfig as { Ulimits: unknown[] }).Ulimits = (i.HostConfig as { Ulimits: { Name: string }[] }).Ulimits.filter(
          (u) => u.Name !== 'RLIMIT_NPROC',
        )),
      /ulimit nproc/,
    ],
    [
      'another profile file',
      (i) => ((i.HostConfig as { SecurityOpt: string[] }).SecurityOpt = ['no-new-privileges', 'seccomp=/etc/other.json']),
      /seccomp profile is \/etc\/other\.json/,
    ],
    [
      'masked paths reported without kcore',
      (i) => ((i.HostConfig as { MaskedPaths: string[] }).MaskedPaths = ['/proc/keys']),
      /\/proc\/kcore is not masked/,
    ],
    ["a variable other than Podman's own", (i) => i.Config.Env.push('container=docker'), /unexpected environment variables: container/],
  ];
  for (const [name, change, problem] of tamper) {
    it(`refuses a Podman container with ${name}`, () => {
      const inspected = podmanInspect();
      change(inspected);
      const problems = verifyHardening(inspected, expected, [], dialect);
      assert.ok(
        problems.some((p) => problem.test(p)),
        `expected ${problem}, got ${JSON.stringify(problems)}`,
      );
    });
  }
});

describe('finding the engine as Podman users expect', () => {
  const none = () => false;
  const only =
    (...present: string[]) =>
    (p: string) =>
      present.includes(p);
  it('takes DOCKER_HOST, then CONTAINER_HOST, before any socket', () => {
    assert.deepEqual(
      resolveEndpoint({ DOCKER_HOST: 'tcp://a:2376', CONTAINER_HOST: 'unix:///x.sock' }, '/nohome', none, 1000).url,
      'tcp://a:2376',
    );
    const e = resolveEndpoint({ CONTAINER_HOST: 'unix:///run/user/1000/podman/podman.sock' }, '/nohome', none, 1000);
    assert.deepEqual([e.url, e.source, e.local], ['unix:///run/user/1000/podman/podman.sock', 'CONTAINER_HOST', true]);
  });

  it("uses Docker's socket when it exists, else the person's own Podman socket, else the system's", () => {
    const rootless = '/run/user/1000/podman/podman.sock';
    const rootful = '/run/podman/podman.sock';
    assert.equal(resolveEndpoint({}, '/nohome', only('/var/run/docker.sock', rootless), 1000).url, 'unix:///var/run/docker.sock');
    const mine = resolveEndpoint({}, '/nohome', only(rootless, rootful), 1000);
    assert.deepEqual([mine.url, mine.source], [`unix://${rootless}`, 'podman socket']);
    assert.equal(
      resolveEndpoint({ XDG_RUNTIME_DIR: '/xdg' }, '/nohome', only('/xdg/podman/podman.sock'), 1000).url,
      'unix:///xdg/podman/podman.sock',
    );
    assert.equal(resolveEndpoint({}, '/nohome', only(rootful), 1000).url, `unix://${rootful}`);
    const nothing = resolveEndpoint({}, '/nohome', none, 1000);
    assert.deepEqual([nothing.url, nothing.source], ['unix:///var/run/docker.sock', 'default']);
  });

  it('tells Podman from Docker by the version, and rootless from the security options', () => {
    assert.deepEqual(
      engineKindOf({ Components: [{ Name: 'Podman Engine' }, { Name: 'Conmon' }] }, { SecurityOptions: ['name=seccomp,profile=default'] }),
      { kind: 'podman', rootless: false },
    );
    assert.deepEqual(
      engineKindOf({ Components: [{ Name: 'Podman Engine' }] }, { SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] }),
      { kind: 'podman', rootless: true },
    );
    assert.deepEqual(
      engineKindOf(
        { Components: [{ Name: 'Engine' }, { Name: 'containerd' }] },
        { SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'] },
      ),
      { kind: 'docker', rootless: true },
    );
    assert.deepEqual(engineKindOf(undefined, undefined), { kind: 'docker', rootless: false });
  });
});
