/**
 * The adversarial battery, part five: races. Everything the sandbox can write (the overlay's
 * upper layer, or the whole copy) is hostile, and any path component in it can turn into a
 * symlink between two system calls of the host. While a program in the sandbox keeps
 * swapping folders for symlinks to host paths (absolute, and relative ones that climb out of
 * the session's folder), every host operation on the tree runs again and again: scan, diff,
 * apply, recording into the base, revert, discard, undo and review feedback. Canary files
 * and folders on the host must come out byte for byte intact, and their bytes and names must
 * never show up in a result, a diff, the base copy or the real workspace. Both snapshot
 * strategies. Then a file swapped with a FIFO must not hang an apply, a file that grows
 * without end must not be read without end, and once the swapping stops everything works.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import type { SnapshotStrategy } from '../../../src/core/snapshot/sessionSnapshot';
import { invokeTool, type ToolHost } from '../../../src/core/tools/handlers';
import { sh } from '../support/battery';
import { testUnderGvisor } from '../support/sandbox';
import {
  baseMismatches,
  bytesReadSoFar,
  Canaries,
  HungError,
  releaseFifoReaders,
  SANDBOX_FILES,
  startGrowingFile,
  startRaceSession,
  startSwapLoop,
  withinMs,
  type RaceSession,
  type SwapCounts,
  type SwapPair,
} from '../support/races';

/** Rounds of the battery per strategy: each host operation runs once per round (some every few rounds). */
const ROUNDS = 200;
/** The battery stops early after this long per strategy, to keep the file's run time modest on a busy machine. */
const BATTERY_BUDGET_MS = 40_000;
/** Longest any single host operation may take before it counts as hung. */
const OPERATION_LIMIT_MS = 20_000;
/** The swap loop must really have raced: at least this many swaps per battery. */
const MIN_SWAPS = 1000;
/** Every operation must have run at least this often for the battery to mean anything. */
const MIN_RUNS = 3;
/** How long apply --all is repeated while a file and a FIFO trade names. */
const FIFO_BUDGET_MS = 8_000;
/** Most bytes the host may read for the diff of a file of 3.6 MB that grows without end once read. */
const GROWING_READ_CAP = 256 * 1024 * 1024;

// Nothing under race/ in the base at the start: an overlay scan then needs no look at the
// merged view (a helper process each time) to tell what a folder hides.
const WORKSPACE = {
  'README.md': '# project\n',
  'src/index.js': 'module.exports = 1;\n',
};

/** The folders the sandbox swaps, each with the canary folder its symlink points to. */
const SWAPPED = [
  { kind: 'exchange', dir: 'race/ex-abs', link: 'race/ex-abs.swap', canary: 'ex-abs', relative: false },
  { kind: 'exchange', dir: 'race/deep/ex-rel', link: 'race/deep/ex-rel.swap', canary: 'ex-rel', relative: true },
  // The folder waits at the top while the link has its name (the top is never opaque).
  { kind: 'rename', dir: 'race/mv-abs', aside: 'mv-abs.aside', canary: 'mv-abs', relative: false },
  { kind: 'rename', dir: 'race/deep/mv-rel', aside: 'mv-rel.aside', canary: 'mv-rel', relative: true },
] as const;

/** Every workspace path below a swapped name that a host operation is pointed at. */
const TARGETS = SWAPPED.flatMap((s) => ('link' in s ? [s.dir, s.link] : [s.dir])).flatMap((d) => [
  `${d}/id_rsa`,
  `${d}/victim/keep.txt`,
  `${d}/victim/data.bin`,
  `${d}/victim`,
  d,
]);

interface Violation {
  readonly strategy: SnapshotStrategy;
  readonly operation: string;
  readonly round: number;
  readonly what: string;
}

interface OperationStats {
  runs: number;
  errors: number;
  ms: number;
  firstError?: string;
}

function sandboxPairs(race: RaceSession, canaries: Canaries): SwapPair[] {
  const snapshot = race.session.snapshot;
  return SWAPPED.map((s) => {
    const canary = canaries.dir(s.canary);
    // A relative target climbs from where the link sits on the host, out of the session's
    // folder and its state root, down into the canary.
    const target = s.relative ? path.relative(path.dirname(snapshot.sandboxPath(s.dir)), canary) : canary;
    return {
      kind: s.kind,
      dir: `/workspace/${s.dir}`,
      ...('link' in s ? { link: `/workspace/${s.link}` } : {}),
      ...('aside' in s ? { aside: `/workspace/${s.aside}` } : {}),
      target,
      files: SANDBOX_FILES,
    };
  });
}

/** Text to search for canary leaks in, from a result or an error. */
function textOf(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

for (const strategy of ['overlay', 'copy'] as const) {
  describe(`races against the host (${strategy} strategy)`, () => {
    let race: RaceSession;
    let airlock: Airlock;
    let host: ToolHost;
    let canaries: Canaries;

    before(async () => {
      canaries = new Canaries(SWAPPED.map((s) => s.canary));
      race = await startRaceSession(strategy, WORKSPACE);
      airlock = race.session.airlock();
      host = { getSession: async () => race.session, getAirlock: async () => airlock };
    });

    after(() => {
      race?.dispose();
      canaries?.dispose();
    });

    /**
     * Canary changes and leaks into the real workspace or the base copy, each reported once.
     * A symlink to a canary in the base copy is one too: apply never writes one to the real
     * tree, so the base recorded the sandbox side instead of what was applied. After an
     * apply, every path it recorded must be in the base as it is in the real tree.
     */
    function treeChecker(violations: Violation[]) {
      const seen = new Set<string>();
      return (operation: string, round: number, output: unknown) => {
        const leak = canaries.leaksIn(textOf(output));
        if (leak) violations.push({ strategy, operation, round, what: `its result shows ${leak}: ${textOf(output).slice(0, 300)}` });
        const changed = canaries.changes();
        if (changed.length) {
          violations.push({ strategy, operation, round, what: `canaries changed: ${changed.join('; ')}` });
          canaries.restore();
        }
        for (const [where, root] of [
          ['the real workspace', race.workspace],
          ['the base copy', race.session.snapshot.layout.base],
        ] as const) {
          for (const l of canaries.leaksInTree(root)) {
            if (seen.has(`${where} ${l}`)) continue;
            seen.add(`${where} ${l}`);
            violations.push({ strategy, operation, round, what: `${where} holds ${l}` });
          }
        }
        for (const l of canaries.linksInTree(race.session.snapshot.layout.base)) {
          if (seen.has(`link ${l}`)) continue;
          seen.add(`link ${l}`);
          violations.push({ strategy, operation, round, what: `the base copy holds a symlink to a canary: ${l}` });
        }
        const report = output && typeof output === 'object' && 'report' in output ? (output as { report: unknown }).report : output;
        if (report && typeof report === 'object' && 'applied' in report && 'warnings' in report) {
          for (const m of baseMismatches(
            report as Parameters<typeof baseMismatches>[0],
            race.session.snapshot.layout.base,
            race.workspace,
          )) {
            violations.push({ strategy, operation, round, what: `the base does not hold what was applied: ${m}` });
          }
        }
      };
    }

    test('no host operation follows a folder the sandbox swaps for a symlink, over hundreds of operations', async (t) => {
      const violations: Violation[] = [];
      const check = treeChecker(violations);
      const stats = new Map<string, OperationStats>();
      const session = race.session;
      let latest: readonly string[] = [];
      const pick = <T>(items: readonly T[], round: number, salt: number): T | undefined =>
        items.length ? items[(round * 7 + salt) % items.length] : undefined;
      const pending = () => latest.filter((p) => p.startsWith('race/'));
      // In the overlay strategy, reverts run as a helper process in the container: slow, and
      // not a host-side walk, so they run every few rounds there.
      const viaContainer = strategy === 'overlay' ? 3 : 1;

      // `every`: runs in every n-th round; `repeat`: times per round (the cheap ones run more).
      // `run` gets a turn number, different for each repeat, that picks the path to work on.
      const operations: { name: string; every: number; repeat?: number; run: (turn: number) => Promise<unknown> }[] = [
        {
          name: 'scan (changes)',
          every: 1,
          run: async () => {
            const set = await airlock.changes();
            latest = set.entries.map((e) => e.path);
            return set.entries;
          },
        },
        { name: 'list_changes with diffs (tool)', every: 1, run: () => invokeTool(host, 'list_changes', { diff: true }) },
        {
          name: 'diff of one path',
          every: 1,
          repeat: 3,
          run: async (round) => {
            const p = pick(pending(), round, 1);
            return p ? airlock.diff(p) : undefined;
          },
        },
        // Walks the base (and, for the overlay, looks up the sandbox's layer) by name while the swaps go on.
        {
          name: 'record a deletion into the base',
          every: 1,
          repeat: 4,
          run: async (round) => session.snapshot.acceptIntoBase(pick(TARGETS, round, 4)!, { type: 'absent' }),
        },
        {
          name: 'apply --all',
          every: 1,
          run: async () => {
            const approval = await airlock.approveAll({ includeRisky: true });
            return { approval, report: await airlock.apply() };
          },
        },
        { name: 'undo', every: 1, run: () => airlock.undo({ force: true }) },
        {
          name: 'apply of named paths',
          every: 2,
          run: async (round) => {
            const paths = [pick(pending(), round, 2), pick(pending(), round, 3)].filter((p): p is string => !!p);
            for (const p of paths) await airlock.decide(p, 'approved').catch(() => undefined);
            return airlock.apply({ paths });
          },
        },
        {
          name: 'revert in the sandbox',
          every: viaContainer,
          repeat: strategy === 'copy' ? 4 : 1,
          run: async (round) => session.snapshot.revertInSandbox(pick(TARGETS, round, 5)!),
        },
        {
          name: 'discard',
          every: viaContainer,
          run: (round) => airlock.discard([pick(TARGETS, round, 6)!, ...[pick(pending(), round, 7)].filter((p): p is string => !!p)]),
        },
        {
          name: 'review feedback (rejection undone in the copy)',
          every: viaContainer,
          run: async (round) => {
            const p = pick(pending(), round, 8);
            if (p) await airlock.decide(p, 'rejected', { reason: 'race battery: rejected' });
            return invokeTool(host, 'review_feedback', { acknowledge: true });
          },
        },
      ];

      const loop = startSwapLoop(session, sandboxPairs(race, canaries));
      await loop.started;
      const started = Date.now();
      let rounds = 0;
      let hung: string | undefined;
      try {
        for (let round = 0; round < ROUNDS && !hung && Date.now() - started < BATTERY_BUDGET_MS; round++) {
          rounds++;
          for (const [op, time] of operations.flatMap((o) =>
            Array.from({ length: round % o.every === 0 ? (o.repeat ?? 1) : 0 }, (_, i) => [o, i] as const),
          )) {
            const s = stats.get(op.name) ?? { runs: 0, errors: 0, ms: 0 };
            stats.set(op.name, s);
            const t0 = Date.now();
            let output: unknown;
            try {
              output = await withinMs(op.run(round * 5 + time), OPERATION_LIMIT_MS, `${op.name} (round ${round})`);
            } catch (err) {
              output = err;
              s.errors++;
              s.firstError ??= textOf(err).slice(0, 200);
              if (err instanceof HungError) {
                hung = err.message;
                violations.push({ strategy, operation: op.name, round, what: err.message });
              }
            }
            s.runs++;
            s.ms += Date.now() - t0;
            check(op.name, round, output);
            if (hung) break;
          }
        }
      } finally {
        const counts = await withinMs(loop.stop(), 60_000, 'stopping the swap loop');
        report(t, strategy, rounds, counts, stats, Date.now() - started);
        assert.ok(counts.swaps > MIN_SWAPS, `the sandbox swapped only ${counts.swaps} times; the race was not exercised`);
      }

      // The base copy as the sandbox sees it, and the copy itself, hold nothing of the canaries.
      const seen = await sh(
        session,
        'find /run/agent-sandbox/base /workspace -type f -exec cat -- {} + 2>&1; find /run/agent-sandbox/base /workspace 2>&1',
      );
      check('reading the copy and the base from inside the sandbox (cat)', rounds, seen.out);

      assert.deepEqual(summarize(violations), [], `${violations.length} violation(s) of the host's no-follow rule`);
      if (!hung) for (const [name, s] of stats) assert.ok(s.runs >= MIN_RUNS, `${name} ran only ${s.runs} times`);
    });

    test('apply --all finishes, applied or refused, while the sandbox swaps a file and a FIFO under one name', async (t) => {
      const violations: Violation[] = [];
      const check = treeChecker(violations);
      const snapshot = race.session.snapshot;
      const names = ['race/fifo/data.txt', 'race/fifo/data.pipe'];
      if (testUnderGvisor()) {
        // gVisor keeps a FIFO made in the sandbox in its own kernel: the copy on the host never
        // holds one, so host code cannot meet a FIFO there and there is no swap to race.
        const made = await sh(
          race.session,
          `mkdir -p /workspace/race/fifo && mkfifo /workspace/${names[1]} && test -p /workspace/${names[1]} && echo made`,
        );
        assert.equal(made.out, 'made\n', made.err);
        const onHost = (() => {
          try {
            return fs.lstatSync(snapshot.sandboxPath(names[1]));
          } catch {
            return undefined;
          }
        })();
        t.diagnostic(`${strategy}: the FIFO made in the sandbox is ${onHost ? 'a non-FIFO' : 'absent'} in the copy on the host`);
        assert.ok(!onHost?.isFIFO(), 'a FIFO made under gVisor reached the copy on the host: run the swap race under gVisor too');
        await sh(race.session, `rm -f /workspace/${names[1]}`);
        return;
      }
      const loop = startSwapLoop(race.session, [
        { kind: 'fifo', dir: `/workspace/${names[0]}`, link: `/workspace/${names[1]}`, content: 'a plain file' },
      ]);
      await loop.started;
      const outcomes = { applied: 0, refused: 0, errors: 0 };
      let rounds = 0;
      let hung: { message: string; pending: Promise<unknown> } | undefined;
      const started = Date.now();
      try {
        while (Date.now() - started < FIFO_BUDGET_MS && !hung) {
          rounds++;
          const work = (async () => {
            await airlock.approveAll({ includeRisky: true });
            return airlock.apply();
          })();
          try {
            const report = await withinMs(work, OPERATION_LIMIT_MS, `apply --all (round ${rounds})`);
            if (report.applied.some((a) => names.includes(a.path))) outcomes.applied++;
            if (report.refused.some((r) => names.includes(r.path))) outcomes.refused++;
            check('apply --all', rounds, report);
          } catch (err) {
            if (err instanceof HungError) hung = { message: err.message, pending: work };
            else outcomes.errors++;
            check('apply --all', rounds, err);
          }
          if (hung) break;
          check('undo', rounds, await airlock.undo({ force: true }).catch((err: unknown) => err));
        }
      } finally {
        // A host thread stuck opening a FIFO goes on once something opens it for writing.
        const release = setInterval(() => releaseFifoReaders(names.map((n) => snapshot.sandboxPath(n))), 20);
        try {
          if (hung) await withinMs(hung.pending, 60_000, 'the hung apply, after its FIFO was opened for writing').catch(() => undefined);
          const counts = await withinMs(loop.stop(), 60_000, 'stopping the swap loop');
          t.diagnostic(
            `${strategy}: ${rounds} applies (${outcomes.applied} applied the file, ${outcomes.refused} refused, ${outcomes.errors} errors) while the sandbox made ${counts.swaps} file/FIFO swaps`,
          );
          assert.ok(counts.swaps > MIN_SWAPS, `the sandbox swapped only ${counts.swaps} times; the race was not exercised`);
        } finally {
          clearInterval(release);
        }
      }
      assert.equal(hung?.message, undefined, 'apply --all hung on a FIFO the sandbox put where a file was');
      assert.deepEqual(summarize(violations), []);
    });

    test('a file that grows without end once read is read a bounded amount when its diff is asked for', async (t) => {
      const rel = 'race/huge/grows.bin';
      // Feedback left from the battery would make the tool scan twice (once to bring the copy
      // in line with it); one scan opens the file once.
      await airlock.clearFeedback();
      const growing = startGrowingFile(race.session, `/workspace/${rel}`);
      await growing.started;
      const readBefore = bytesReadSoFar();
      const started = Date.now();
      const work = invokeTool(host, 'list_changes', { diff: true, paths: [rel] });
      let outcome: Awaited<typeof work> | undefined;
      let hung: string | undefined;
      let read = 0;
      try {
        outcome = await withinMs(work, OPERATION_LIMIT_MS, 'list_changes with the diff of a growing file');
      } catch (err) {
        if (!(err instanceof HungError)) throw err;
        hung = err.message;
      } finally {
        // Cut to nothing: a reader still at it reaches the end.
        const grown = await growing.stop();
        if (hung) await withinMs(work, 120_000, 'the hung diff, after its file was cut to zero bytes').catch(() => undefined);
        read = bytesReadSoFar() - readBefore;
        t.diagnostic(
          `${strategy}: ${grown.read ? `the host read the file, which then grew to ${(grown.largest / 2 ** 20).toFixed(0)} MiB` : 'the host never read the file'}; the host read ${(read / 2 ** 20).toFixed(1)} MiB in all, in ${Date.now() - started} ms${hung ? ' (hung until the file was cut)' : ''}`,
        );
        await race.session.recheckDiskCap();
      }
      assert.equal(hung, undefined, 'the host kept reading a file that grows without end');
      assert.ok(
        read < GROWING_READ_CAP,
        `the host read ${read} bytes for the diff of a file that started at 3.6 MB: it followed the growth`,
      );
      assert.ok(outcome && outcome.text.includes(rel), `the result does not name the file: ${outcome?.text}`);
    });

    test('once the swapping stops, changes, review and apply work normally again', async () => {
      const session = race.session;
      await sh(session, 'echo "module.exports = 2;" > /workspace/src/index.js');
      const set = await airlock.changes();
      assert.ok(set.get('src/index.js'), `the edit is not listed: ${set.entries.map((e) => e.path).join(', ')}`);
      const listed = await invokeTool(host, 'list_changes', { diff: true, paths: ['src/index.js'] });
      assert.equal(listed.isError, false, listed.text);
      assert.match(listed.text, /\+module\.exports = 2;/);
      assert.equal(canaries.leaksIn(textOf(set.entries)) ?? canaries.leaksIn(listed.text), undefined);
      const feedback = await invokeTool(host, 'review_feedback', { acknowledge: true });
      assert.equal(feedback.isError, false, feedback.text);
      assert.deepEqual(await airlock.feedback(), []);

      // Everything the sandbox left is applied (or refused with a reason), and what lands in
      // the real tree is the sandbox's content.
      await airlock.approveAll({ includeRisky: true });
      const report = await airlock.apply();
      assert.ok(
        report.applied.some((a) => a.path === 'src/index.js'),
        JSON.stringify(report),
      );
      for (const r of report.refused) assert.ok(r.reasons.join(' ').length > 0, `${r.path} refused without a reason`);
      assert.equal(fs.readFileSync(path.join(race.workspace, 'src/index.js'), 'utf8'), 'module.exports = 2;\n');
      for (const a of report.applied) {
        const real = path.join(race.workspace, a.path);
        if (path.basename(a.path) === 'id_rsa' && fs.existsSync(real) && fs.lstatSync(real).isFile())
          assert.match(fs.readFileSync(real, 'utf8'), /^id_rsa of the sandbox/, a.path);
      }
      assert.equal((await airlock.changes()).get('src/index.js'), undefined, 'the applied edit is still pending');

      // Discarding everything leaves nothing pending (a path below a folder that the discard
      // already brought back may be refused, with its reason).
      const discarded = await airlock.discard('all');
      for (const f of discarded.failed) assert.ok(f.reason.length > 0, `${f.path} failed without a reason`);
      assert.deepEqual(
        (await airlock.changes()).entries.map((e) => e.path),
        [],
      );
      assert.deepEqual(canaries.leaksInTree(race.workspace), []);
      assert.deepEqual(canaries.changes(), []);
    });
  });
}

/** One line per operation and kind of violation: how often, in which rounds, the first example. */
function summarize(violations: readonly Violation[]): string[] {
  const groups = new Map<string, Violation[]>();
  for (const v of violations) {
    const key = `${v.strategy}|${v.operation}|${v.what.split(':')[0]}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  return [...groups.values()].map((vs) => {
    const first = vs[0]!;
    const rounds = vs.length === 1 ? `round ${first.round}` : `${vs.length} times, rounds ${first.round}..${vs[vs.length - 1]!.round}`;
    return `[${first.strategy}] ${first.operation} (${rounds}): ${first.what.slice(0, 400)}`;
  });
}

function report(
  t: TestContext,
  strategy: SnapshotStrategy,
  rounds: number,
  counts: SwapCounts,
  stats: Map<string, OperationStats>,
  ms: number,
): void {
  let total = 0;
  for (const s of stats.values()) total += s.runs;
  t.diagnostic(
    `${strategy}: ${rounds} rounds, ${total} host operations in ${(ms / 1000).toFixed(1)} s while the sandbox made ${counts.swaps} swaps (${counts.failed} refused, ${counts.fallbacks} fallbacks to remove-and-recreate, ${counts.refreshes} content refreshes)`,
  );
  for (const [name, s] of stats) {
    t.diagnostic(
      `  ${name}: ${s.runs} runs, ${s.errors} errors, ${(s.ms / Math.max(1, s.runs)).toFixed(1)} ms each${s.firstError ? `; first error: ${s.firstError}` : ''}`,
    );
  }
}
