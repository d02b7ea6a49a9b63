/**
 * The adversarial battery, part one: what a compromised agent tries from inside one running
 * sandbox. Privileges, the view of the host, the file system, the network, secrets and exit
 * codes. One session serves every case of this file; each case attacks, then asserts that
 * the wall held.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { SandboxSession } from '../../../src/core/session/session';
import { parseStatus, py, sh, startBatterySession, type BatterySession } from '../support/battery';
import { spawnSync } from 'node:child_process';
import { testUnderGvisor, testUnderPodman } from '../support/sandbox';

/** Host secrets that must not reach the container's environment. */
const HOST_SECRETS = {
  AWS_SECRET_ACCESS_KEY: 'battery-aws-secret',
  GITHUB_TOKEN: 'battery-github-token',
  SSH_AUTH_SOCK: '/tmp/battery-ssh-agent.sock',
  NPM_TOKEN: 'battery-npm-token',
} as const;

const WORKSPACE = {
  'src/app.js': 'console.log("app");\n',
  'README.md': '# project\n',
  '.env': 'DATABASE_PASSWORD=hunter2\n',
  '.env.production': 'API_KEY=prod-secret\n',
  'config/server.key': '-----BEGIN PRIVATE KEY-----\n',
  'deploy/cert.pem': '-----BEGIN CERTIFICATE-----\n',
  id_rsa: '-----BEGIN OPENSSH PRIVATE KEY-----\n',
  '.npmrc': '//registry.npmjs.org/:_authToken=npm-secret\n',
  '.pypirc': '[pypi]\npassword=secret\n',
  '.netrc': 'machine example.com login me password secret\n',
  '.git-credentials': 'https://me:token@example.com\n',
  '.aws/credentials': '[default]\naws_secret_access_key=secret\n',
  '.ssh/id_ed25519': 'key\n',
  '.docker/config.json': '{"auths":{"x":{"auth":"c2VjcmV0"}}}\n',
  '.kube/config': 'apiVersion: v1\n',
  'infra/terraform.tfstate': '{"secret":true}\n',
};

/** Python: prctl's answers for this process (gVisor's /proc/self/status lacks some lines). */
const PY_PRCTL = [
  'import ctypes',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'def ask(*args):',
  '    r = libc.prctl(*args, 0, 0, 0)',
  '    return r if r >= 0 else "errno %d" % ctypes.get_errno()',
  'print("no_new_privs", ask(39, 0))',
  'print("seccomp", ask(21, 0))',
  // PR_CAP_AMBIENT_IS_SET for every capability: 0 (not set) or an errno (no ambient set at all).
  'print("ambient", sorted({str(ask(47, 1, c)) for c in range(41)}))',
].join('\n');

/** The host's namespaces of the container's first process, as the host reads them. */
function hostNamespacesOf(containerId: string): Record<string, string> {
  const pid = spawnSync('docker', ['inspect', '--format', '{{.State.Pid}}', containerId], { encoding: 'utf8' }).stdout.trim();
  assert.match(pid, /^[1-9]\d*$/, `no host process for container ${containerId}`);
  const out: Record<string, string> = {};
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    for (const kind of ['user', 'mnt', 'pid', 'net', 'uts', 'ipc']) {
      try {
        out[`${task}/${kind}`] = fs.readlinkSync(`/proc/${pid}/task/${task}/ns/${kind}`);
      } catch {
        // A thread that ended between the listing and the read.
      }
    }
  }
  return out;
}

/** Python: tries a TCP connection, prints "connected" or the errno name. */
const PY_CONNECT = [
  'import errno, socket, sys',
  's = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
  's.settimeout(3)',
  'try:',
  '    s.connect((sys.argv[1], int(sys.argv[2])))',
  '    print("connected")',
  'except OSError as e:',
  '    print(errno.errorcode.get(e.errno, str(e)) if e.errno else type(e).__name__)',
].join('\n');

let battery: BatterySession;
let session: SandboxSession;
const savedEnv: Record<string, string | undefined> = {};

before(async () => {
  for (const [k, v] of Object.entries(HOST_SECRETS)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  // Small caps keep the fill tests quick; the defences are the same at any size.
  battery = await startBatterySession(WORKSPACE, { tmpMb: 48, homeMb: 24, fileSizeCapMb: 16 });
  session = battery.session;
});

after(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  battery?.dispose();
});

describe('privileges', () => {
  test('every capability set of a sandbox process is empty', async () => {
    const status = parseStatus((await sh(session, 'cat /proc/self/status')).out);
    // gVisor's kernel reports four sets; it answers the question for the ambient set with
    // EINVAL, as a kernel without ambient capabilities does.
    const sets = ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', ...(testUnderGvisor() ? [] : ['CapAmb'])];
    for (const set of sets) {
      assert.equal(status[set], '0000000000000000', `${set} is ${status[set]}`);
    }
    const ambient = /^ambient (.*)$/m.exec((await py(session, PY_PRCTL)).out)?.[1];
    assert.ok(ambient === "['0']" || (testUnderGvisor() && ambient === "['errno 22']"), `ambient capabilities: ${ambient}`);
  });

  test('no_new_privs is set and seccomp is in filter mode', async () => {
    const prctl = (await py(session, PY_PRCTL)).out;
    assert.match(prctl, /^no_new_privs 1$/m);
    if (testUnderGvisor()) {
      // gVisor's release in Debian 12 gives the filter to the container's first process and
      // not to processes started with `docker exec`, which is how sandbox commands run; those
      // calls are still served by gVisor's kernel, never the host's (README, "gVisor").
      assert.equal(parseStatus((await sh(session, 'cat /proc/1/status')).out).Seccomp, '2', "the container's init has the filter");
      assert.notEqual((await sh(session, 'uname -r')).out.trim(), os.release(), "gVisor's kernel answers, not the host's");
      return;
    }
    const status = parseStatus((await sh(session, 'cat /proc/self/status')).out);
    assert.equal(status.NoNewPrivs, '1');
    assert.equal(status.Seccomp, '2', 'seccomp mode 2 is filter mode');
    assert.match(prctl, /^seccomp 2$/m);
  });

  test('the sandbox user is not root and cannot become root', async () => {
    const r = await sh(session, 'id -u; id -g');
    const [uid, gid] = r.out.trim().split('\n').map(Number);
    assert.notEqual(uid, 0);
    assert.notEqual(gid, 0);
    const setuid = await py(
      session,
      'import os\ntry:\n    os.setuid(0)\n    print("became root")\nexcept PermissionError:\n    print("EPERM")',
    );
    assert.equal(setuid.out.trim(), 'EPERM');
  });

  test('sudo and su fail', async () => {
    const r = await sh(
      session,
      'for c in "sudo -n id -u" "su -c \'id -u\' root"; do if sh -c "$c" </dev/null >/dev/null 2>&1; then echo "$c: succeeded"; else echo "$c: failed"; fi; done',
    );
    assert.equal(r.out, "sudo -n id -u: failed\nsu -c 'id -u' root: failed\n");
  });

  test('the image holds no setuid or setgid binary', async () => {
    const r = await sh(session, 'find / -xdev \\( -perm -4000 -o -perm -2000 \\) -type f 2>/dev/null');
    assert.equal(r.out, '');
  });

  test('a setuid copy of a shell gains nothing', async () => {
    const r = await sh(
      session,
      [
        'cp /bin/dash /workspace/.suid-sh && chmod 4755 /workspace/.suid-sh',
        'echo "mode $(stat -c %a /workspace/.suid-sh)"',
        'echo "euid $(/workspace/.suid-sh -p -c \'id -u\')"',
        'echo "uid $(id -u)"',
        'chown 0:0 /workspace/.suid-sh 2>/dev/null && echo "chown root: succeeded" || echo "chown root: failed"',
        'rm -f /workspace/.suid-sh',
      ].join('\n'),
    );
    const lines = Object.fromEntries(
      r.out
        .trim()
        .split('\n')
        .map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]),
    );
    assert.equal(lines.euid, lines.uid, 'the setuid shell runs as the sandbox user');
    assert.notEqual(lines.euid, '0');
    assert.equal(lines.chown, 'root: failed');
  });

  test('unshare of user and mount namespaces fails', async () => {
    if (testUnderGvisor()) {
      // Without the filter on exec'd processes (see above), gVisor's kernel makes a user
      // namespace of its own. The host's kernel makes none: while one is held open inside,
      // every thread of runsc on the host stays in the namespaces it started in.
      const before = hostNamespacesOf(session.containerId);
      const held = await sh(
        session,
        'unshare --user --map-root-user sh -c "id -u > /tmp/ns-root; sleep 4" >/dev/null 2>&1 & sleep 1; cat /tmp/ns-root 2>/dev/null || echo none',
      );
      const during = hostNamespacesOf(session.containerId);
      const seen = new Set(Object.values(before));
      const fresh = Object.entries(during).filter(([, ns]) => !seen.has(ns));
      assert.deepEqual(fresh, [], `runsc's threads entered new host namespaces while the sandbox held one (${held.out.trim()})`);
      assert.ok(Object.keys(during).length > 0);
      return;
    }
    const r = await sh(
      session,
      'for ns in --user --mount "--user --map-root-user" --pid --net; do if unshare $ns true 2>/dev/null; then echo "$ns ok"; else echo "$ns denied"; fi; done',
    );
    assert.equal(r.out, '--user denied\n--mount denied\n--user --map-root-user denied\n--pid denied\n--net denied\n');
  });

  test('mounting proc, cgroup or tmpfs fails', async () => {
    const r = await sh(
      session,
      [
        'mkdir -p /tmp/m',
        'mount -t proc proc /tmp/m 2>/dev/null && echo proc mounted || echo proc denied',
        'mount -t cgroup cgroup /tmp/m 2>/dev/null && echo cgroup mounted || echo cgroup denied',
        'mount -t cgroup2 cgroup2 /tmp/m 2>/dev/null && echo cgroup2 mounted || echo cgroup2 denied',
        'mount -t tmpfs tmpfs /tmp/m 2>/dev/null && echo tmpfs mounted || echo tmpfs denied',
        'mount --bind / /tmp/m 2>/dev/null && echo bind mounted || echo bind denied',
      ].join('\n'),
    );
    assert.equal(r.out, 'proc denied\ncgroup denied\ncgroup2 denied\ntmpfs denied\nbind denied\n');
  });

  test('mknod of devices fails', async () => {
    if (testUnderGvisor()) {
      // gVisor's kernel lets a node be made in its own memory (/tmp); it opens no device of the
      // host. In the copy, which is the host's file system, mknod is refused.
      const r = await sh(
        session,
        [
          'cd /tmp; mknod ./dev-loop b 7 0 2>/dev/null; head -c 1 ./dev-loop >/dev/null 2>&1 && echo "loop opened" || echo "loop not opened"; rm -f ./dev-loop',
          'for d in "c 1 3" "b 7 0" "c 10 229"; do mknod /workspace/dev-$$ $d 2>/dev/null && echo "$d created" || echo "$d denied"; rm -f /workspace/dev-$$; done',
        ].join('\n'),
      );
      assert.equal(r.out, 'loop not opened\nc 1 3 denied\nb 7 0 denied\nc 10 229 denied\n');
      return;
    }
    const r = await sh(
      session,
      'cd /tmp; for d in "c 1 3" "b 7 0" "c 10 229"; do mknod ./dev-$$ $d 2>/dev/null && echo "$d created" || echo "$d denied"; rm -f ./dev-$$; done',
    );
    assert.equal(r.out, 'c 1 3 denied\nb 7 0 denied\nc 10 229 denied\n');
  });

  test('raw and packet sockets cannot be opened', async () => {
    const r = await py(
      session,
      [
        'import errno, socket',
        'for name, args in [("raw-icmp", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)), ("raw-tcp", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)), ("packet", (socket.AF_PACKET, socket.SOCK_RAW, 0))]:',
        '    try:',
        '        socket.socket(*args); print(name, "opened")',
        '    except OSError as e:',
        '        print(name, "denied")',
      ].join('\n'),
    );
    assert.equal(r.out, 'raw-icmp denied\nraw-tcp denied\npacket denied\n');
  });

  test('kernel and clock settings cannot be changed', async () => {
    const r = await sh(
      session,
      [
        '(echo 1 > /proc/sys/kernel/sysrq) 2>/dev/null && echo sysctl written || echo sysctl denied',
        'hostname evil 2>/dev/null && echo hostname changed || echo hostname denied',
        'date -s "2001-01-01" >/dev/null 2>&1 && echo clock changed || echo clock denied',
      ].join('\n'),
    );
    assert.equal(r.out, 'sysctl denied\nhostname denied\nclock denied\n');
  });

  test('no process in the container runs as root, so there is none to attack', async () => {
    // Same-user ptrace is ordinary Unix; what matters is that no process holds more than the
    // sandbox user does, so attaching to one gains nothing.
    const r = await sh(session, "for p in /proc/[0-9]*; do awk '/^Uid:/ {print $2, $3, $4, $5}' $p/status 2>/dev/null; done | sort -u");
    const uid = (await sh(session, 'id -u')).out.trim();
    assert.equal(r.out.trim(), `${uid} ${uid} ${uid} ${uid}`);
  });
});

describe('the view of the host', () => {
  test('/proc/kcore, /proc/keys and /sys/firmware are masked', async () => {
    const r = await sh(
      session,
      [
        'echo "kcore $(head -c 16 /proc/kcore 2>/dev/null | wc -c)"',
        'echo "keys $(cat /proc/keys 2>/dev/null | wc -c)"',
        'echo "firmware $(ls -A /sys/firmware 2>/dev/null | wc -l)"',
      ].join('\n'),
    );
    assert.equal(r.out, 'kcore 0\nkeys 0\nfirmware 0\n');
  });

  test('/proc/sysrq-trigger cannot be written', async () => {
    const r = await sh(session, '(echo h > /proc/sysrq-trigger) 2>/dev/null && echo written || echo denied');
    assert.equal(r.out.trim(), 'denied');
  });

  test("only the container's own processes are visible", async () => {
    const r = await sh(session, 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done');
    const commands = r.out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    assert.ok(commands.length < 12, `saw ${commands.length} processes: ${commands.join(' | ')}`);
    for (const hostOnly of ['dockerd', 'containerd', 'node ', 'sshd', 'systemd']) {
      assert.ok(!commands.some((c) => c.includes(hostOnly)), `a host process is visible: ${hostOnly}`);
    }
    const init = (await sh(session, 'tr "\\0" " " < /proc/1/cmdline')).out;
    assert.match(init, /init/, "PID 1 is the container's init");
  });

  test("every namespace differs from the host's", async () => {
    if (testUnderGvisor()) {
      // The namespaces the sandbox reads are gVisor's own. runsc's sandbox process itself runs
      // in user, mount, network, UTS and IPC namespaces of its own, which the host reads; it
      // stays in the host's PID and cgroup namespaces (the sandbox's processes are gVisor's
      // tasks, which see only each other: "only the container's own processes are visible").
      const ns = hostNamespacesOf(session.containerId);
      for (const kind of ['user', 'mnt', 'net', 'uts', 'ipc']) {
        const host = fs.readlinkSync(`/proc/self/ns/${kind}`);
        const runsc = Object.entries(ns).filter(([k]) => k.endsWith(`/${kind}`));
        assert.ok(runsc.length > 0, `no ${kind} namespace read for runsc`);
        assert.ok(
          runsc.every(([, v]) => v !== host),
          `runsc shares the host's ${kind} namespace`,
        );
      }
      assert.equal((await sh(session, 'hostname')).out.trim(), 'sandbox');
      return;
    }
    // Podman on a cgroup v1 host does not make a cgroup namespace (Docker does); the sandbox
    // then sees its cgroup's path, read-only, as the README's platform table says.
    const cgroupV1 = !fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
    const kinds = ['pid', 'mnt', 'net', 'uts', 'ipc', ...(testUnderPodman() && cgroupV1 ? [] : ['cgroup'])];
    const r = await sh(session, `for ns in ${kinds.join(' ')}; do echo "$ns $(readlink /proc/self/ns/$ns)"; done`);
    const inside = Object.fromEntries(
      r.out
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
    for (const kind of kinds) {
      const host = fs.readlinkSync(`/proc/self/ns/${kind}`);
      assert.ok(inside[kind], `no ${kind} namespace reported`);
      assert.notEqual(inside[kind], host, `${kind} namespace is the host's`);
    }
    assert.equal((await sh(session, 'hostname')).out.trim(), 'sandbox');
  });

  test('no UNIX socket of the host exists anywhere in the container', async () => {
    const r = await sh(
      session,
      'find / \\( -path /proc -o -path /sys \\) -prune -o -type s -print 2>/dev/null; for s in /var/run/docker.sock /run/docker.sock /run/containerd/containerd.sock /var/run/docker/containerd/containerd.sock /run/dbus/system_bus_socket; do [ -e "$s" ] && echo "present $s"; done; true',
    );
    assert.equal(r.out, '', `sockets found: ${r.out}`);
  });

  test('every mount point is one the sandbox asked for', async () => {
    const r = await sh(session, 'cut -d" " -f5 /proc/self/mountinfo');
    const allowed = [
      /^\/$/,
      /^\/proc(\/|$)/,
      /^\/sys(\/|$)/,
      /^\/dev(\/|$)/,
      /^\/tmp$/,
      /^\/home\/sandbox$/,
      /^\/workspace$/,
      /^\/run\/agent-sandbox\/base$/,
      /^\/opt\/agent-tools$/,
      /^\/etc\/(hosts|hostname|resolv\.conf)$/,
      /^\/usr\/sbin\/docker-init$/,
      // Podman's own: empty tmpfs at /run and /var/tmp (nosuid, nodev, in the memory limit),
      // its init, and the file that tells programs they run in a container.
      ...(testUnderPodman() ? [/^\/run$/, /^\/var\/tmp$/, /^\/run\/podman-init$/, /^\/run\/\.containerenv$/] : []),
    ];
    const unexpected = r.out
      .trim()
      .split('\n')
      .filter((m) => !allowed.some((re) => re.test(m)));
    assert.deepEqual(unexpected, []);
  });
});

describe('the file system', () => {
  test('writes to /, /etc, /usr, /bin and the tools volume fail', async () => {
    const r = await sh(
      session,
      'for d in / /etc /usr /usr/local/bin /bin /var /opt /opt/agent-tools; do (echo x > "$d/.sandbox-probe") 2>/dev/null && echo "$d writable" || echo "$d denied"; done',
    );
    assert.equal(
      r.out,
      '/ denied\n/etc denied\n/usr denied\n/usr/local/bin denied\n/bin denied\n/var denied\n/opt denied\n/opt/agent-tools denied\n',
    );
  });

  test('existing system files cannot be changed or removed', async () => {
    const r = await sh(
      session,
      '(echo evil >> /etc/passwd) 2>/dev/null && echo appended || echo denied; rm -f /bin/ls 2>/dev/null && echo removed || echo denied; chmod 777 /etc/shadow 2>/dev/null && echo chmodded || echo denied',
    );
    assert.equal(r.out, 'denied\ndenied\ndenied\n');
  });

  test('/tmp, the home directory and the workspace are writable', async () => {
    const r = await sh(
      session,
      'for d in /tmp "$HOME" /workspace; do (echo ok > "$d/.probe" && cat "$d/.probe" && rm "$d/.probe") 2>/dev/null || echo "$d not writable"; done',
    );
    assert.equal(r.out, 'ok\nok\nok\n');
  });

  test('/tmp and the home directory stop at their size caps', async () => {
    const caps = { '/tmp': battery.policy.tmpMb, '/home/sandbox': battery.policy.homeMb };
    for (const [dir, capMb] of Object.entries(caps)) {
      // Several files, so that the single-file limit is not what stops the write.
      const r = await sh(
        session,
        `i=0; while dd if=/dev/zero of="$1/fill-$i" bs=1M count=8 status=none 2>/dev/null; do i=$((i+1)); [ $i -gt 20 ] && break; done; du -sm "$1" | cut -f1; rm -f "$1"/fill-*`,
        { args: [dir] },
      );
      const usedMb = Number(r.out.trim());
      assert.ok(usedMb <= capMb + 1, `${dir} took ${usedMb} MiB with a cap of ${capMb} MiB`);
      assert.ok(usedMb >= capMb - 9, `${dir} stopped early at ${usedMb} MiB`);
    }
  });

  test('a single file cannot exceed the file size cap', async () => {
    const capMb = battery.policy.fileSizeCapMb;
    const r = await sh(
      session,
      `ulimit -f; (dd if=/dev/zero of=/workspace/big bs=1M count=${capMb + 8} status=none) 2>&1; echo "size $(wc -c < /workspace/big)"; rm -f /workspace/big`,
    );
    const size = Number(/size (\d+)/.exec(r.out)?.[1]);
    assert.ok(size <= capMb * 1024 * 1024, `a file of ${size} bytes was written with a cap of ${capMb} MiB`);
  });
});

describe('network in none mode', () => {
  test('only the loopback interface exists', async () => {
    // The kernel's own list (gVisor's /sys/class/net is empty).
    const r = await py(session, 'import socket\nprint(" ".join(name for _, name in socket.if_nameindex()))');
    assert.equal(r.out.trim(), 'lo');
  });

  test('TCP to the outside fails', async () => {
    for (const [host, port] of [
      ['1.1.1.1', '443'],
      ['8.8.8.8', '53'],
      ['93.184.216.34', '80'],
    ] as const) {
      const r = await py(session, PY_CONNECT, host, port);
      // gVisor's network stack answers "no route to host" where Linux says "network unreachable".
      const unreachable = testUnderGvisor() ? ['ENETUNREACH', 'EHOSTUNREACH'] : ['ENETUNREACH'];
      assert.ok(unreachable.includes(r.out.trim()), `${host}:${port} -> ${r.out.trim()}`);
    }
  });

  test('DNS resolution fails', async () => {
    const r = await py(
      session,
      'import socket\ntry:\n    print(socket.getaddrinfo("example.com", 443)[0][4][0])\nexcept OSError as e:\n    print("failed")',
    );
    assert.equal(r.out.trim(), 'failed');
  });

  test("the Docker engine's addresses cannot be reached", async () => {
    for (const [host, port] of [
      ['172.17.0.1', '2375'],
      ['172.17.0.1', '2376'],
      ['169.254.169.254', '80'],
    ] as const) {
      const r = await py(session, PY_CONNECT, host, port);
      assert.notEqual(r.out.trim(), 'connected', `${host}:${port} was reachable`);
    }
    const socket = await sh(
      session,
      'for s in /var/run/docker.sock /run/docker.sock; do if [ -e "$s" ] || [ -L "$s" ]; then echo "$s"; fi; done',
    );
    assert.equal(socket.out, '');
  });
});

describe('secrets', () => {
  test('excluded files are absent from the sandbox copy', async () => {
    const secrets = [
      '.env',
      '.env.production',
      'config/server.key',
      'deploy/cert.pem',
      'id_rsa',
      '.npmrc',
      '.pypirc',
      '.netrc',
      '.git-credentials',
      '.aws',
      '.ssh',
      '.docker/config.json',
      '.kube/config',
      'infra/terraform.tfstate',
    ];
    const r = await sh(
      session,
      'for p in "$@"; do [ -e "/workspace/$p" ] && echo "present $p"; [ -e "/run/agent-sandbox/base/$p" ] && echo "present in base $p"; done; true',
      { args: secrets },
    );
    assert.equal(r.out, '');
    const kept = await sh(session, 'cat /workspace/src/app.js');
    assert.equal(kept.out, WORKSPACE['src/app.js'], 'ordinary files are copied');
  });

  test('the environment is exactly the allowlist', async () => {
    const r = await sh(session, 'env -0');
    const names = r.out
      .split('\0')
      .filter(Boolean)
      .map((kv) => kv.slice(0, kv.indexOf('=')))
      .sort();
    // HOSTNAME is set by the engine; AGENT_SANDBOX_EXEC marks the command's process tree.
    // Podman sets `container=podman` in every container.
    const fixed = ['AGENT_SANDBOX', 'AGENT_SANDBOX_EXEC', 'HOME', 'HOSTNAME', 'PATH', 'PWD', ...(testUnderPodman() ? ['container'] : [])];
    const allowed = new Set([...fixed, ...battery.policy.envAllowlist]);
    assert.deepEqual(
      names.filter((n) => !allowed.has(n)),
      [],
    );
    for (const secret of Object.values(HOST_SECRETS)) assert.ok(!r.out.includes(secret), `a host secret reached the sandbox: ${secret}`);
  });

  test('the home directory holds no host files', async () => {
    const r = await sh(session, 'ls -A "$HOME"; echo "home=$HOME"');
    assert.equal(r.out, 'home=/home/sandbox\n');
  });

  test('no SSH agent or credential helper is reachable', async () => {
    const r = await sh(
      session,
      'echo "ssh=${SSH_AUTH_SOCK:-none}"; git config --global --get credential.helper; git config --system --get credential.helper; ls /run/user 2>/dev/null; ls -d /tmp/ssh-* /tmp/battery-ssh-agent.sock 2>/dev/null; true',
    );
    assert.equal(r.out, 'ssh=none\n');
  });
});

describe('exit codes', () => {
  test('a command that exits at once with 0 reports 0, every time', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await session.run(['true']);
      assert.equal(r.exitCode, 0);
      assert.equal(r.outcome, 'exited');
    }
  });

  test('a command that exits at once with 42 reports 42, every time', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await session.run(['/bin/sh', '-c', 'exit 42']);
      assert.equal(r.exitCode, 42);
      assert.equal(r.outcome, 'exited');
    }
  });

  test('a command killed by a signal reports 128 plus the signal', async () => {
    const r = await session.run(['/bin/sh', '-c', 'kill -TERM $$']);
    assert.equal(r.exitCode, 143);
    assert.equal(r.outcome, 'exited');
  });

  test("a program's own exit with 128 (git's fatal errors) is its exit, and the container goes on", async () => {
    const r = await session.run(['/bin/sh', '-c', 'echo "fatal: not a git repository" >&2; exit 128']);
    assert.equal(r.exitCode, 128);
    assert.equal(r.outcome, 'exited', r.message);
    assert.equal(r.message, undefined);
    assert.equal((await session.run(['/bin/sh', '-c', 'echo alive'])).stdout.toString(), 'alive\n');
  });

  test('a missing program is an error exit, never a host fallback', async () => {
    const r = await session.run(['definitely-not-a-program']);
    assert.equal(r.exitCode, 127);
    assert.match(r.stderr.toString(), /not found/);
  });
});
