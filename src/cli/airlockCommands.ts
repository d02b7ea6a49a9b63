/**
 * The CLI's review commands over a session's airlock: changes, diff, apply, discard, undo.
 * Exit codes: 0 done, 1 error, 2 usage, 3 conflicts or refusals (nothing lost, something left).
 */
import { describeError } from '../core/errors';
import { terminalJson, visibleLines } from '../core/terminalText';
import type { Airlock, ApplyReport, ConflictResolution } from '../core/airlock';

export type AirlockCommandName = 'changes' | 'diff' | 'apply' | 'discard' | 'undo';

export interface CommandIo {
  out(s: string): void;
  err(s: string): void;
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_LEFT_OVER = 3;

const USAGE: Record<AirlockCommandName, string> = {
  changes: 'changes [--json]',
  diff: 'diff [PATH...]',
  apply: 'apply (--all | PATH[#HUNK[,HUNK...]]...) [--include-risky] [--on-conflict=keep-theirs|take-sandbox|markers]',
  discard: 'discard (--all | PATH...)',
  undo: 'undo [--force]',
};

class UsageError extends Error {}

const RESOLUTIONS: readonly ConflictResolution[] = ['keep-theirs', 'take-sandbox', 'markers'];

interface Parsed {
  readonly flags: Map<string, string | true>;
  readonly positional: string[];
}

function parse(args: readonly string[], allowed: readonly string[]): Parsed {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  let onlyPositional = false;
  for (const arg of args) {
    if (onlyPositional || !arg.startsWith('--')) {
      positional.push(arg);
    } else if (arg === '--') {
      onlyPositional = true;
    } else {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (!allowed.includes(name)) throw new UsageError(`unknown option --${name}`);
      flags.set(name, eq < 0 ? true : arg.slice(eq + 1));
    }
  }
  return { flags, positional };
}

/** `path#1,3` -> path and hunks; a `#` not followed by hunk numbers is part of the name. */
export function parsePathSpec(spec: string): { path: string; hunks?: number[] } {
  const hash = spec.lastIndexOf('#');
  if (hash > 0 && /^[0-9]+(,[0-9]+)*$/.test(spec.slice(hash + 1))) {
    const hunks = spec
      .slice(hash + 1)
      .split(',')
      .map(Number);
    if (hunks.some((h) => h < 1)) throw new UsageError(`hunk numbers start at 1 (in "${spec}")`);
    return { path: spec.slice(0, hash), hunks };
  }
  return { path: spec };
}

export async function runAirlockCommand(name: AirlockCommandName, args: string[], airlock: Airlock, terminal: CommandIo): Promise<number> {
  // Names, reasons and diff lines come from the sandbox: nothing in them may act on the terminal.
  const io: CommandIo = { out: (s) => terminal.out(visibleLines(s)), err: (s) => terminal.err(visibleLines(s)) };
  try {
    switch (name) {
      case 'changes':
        return await changes(args, airlock, io);
      case 'diff':
        return await diff(args, airlock, io);
      case 'apply':
        return await apply(args, airlock, io);
      case 'discard':
        return await discard(args, airlock, io);
      case 'undo':
        return await undo(args, airlock, io);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${name}: ${err.message}\nusage: agent-sandbox ${USAGE[name]}`);
      return EXIT_USAGE;
    }
    io.err(describeError(err));
    return EXIT_ERROR;
  }
}

async function changes(args: string[], airlock: Airlock, io: CommandIo): Promise<number> {
  const { flags, positional } = parse(args, ['json']);
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  const set = await airlock.changes();
  if (flags.has('json')) {
    const json = set.entries.map((e) => ({
      path: e.path,
      kind: e.kind,
      base: e.base && {
        type: e.base.entry.type,
        mode: e.base.entry.mode,
        size: e.base.entry.size,
        sha256: e.base.sha256,
        content: e.base.content,
        linkTarget: e.base.entry.linkTarget,
      },
      sandbox: e.sandbox && {
        type: e.sandbox.entry.type,
        mode: e.sandbox.entry.mode,
        size: e.sandbox.entry.size,
        sha256: e.sandbox.sha256,
        content: e.sandbox.content,
        linkTarget: e.sandbox.entry.linkTarget,
      },
      risks: e.risks,
      neverApply: e.neverApply,
    }));
    io.out(terminalJson(json, 2));
    return EXIT_OK;
  }
  if (!set.entries.length) {
    io.out('No pending changes.');
    return EXIT_OK;
  }
  for (const e of set.entries) {
    const notes = [
      ...e.neverApply.map((r) => `never applied: ${r.reason}`),
      ...e.risks.map((r) => `risky: ${r.reason}`),
      ...[e.base, e.sandbox]
        .filter((s) => s?.content === 'binary' || s?.content === 'tooLarge')
        .slice(0, 1)
        .map((s) => (s!.content === 'binary' ? 'binary' : 'too large to diff')),
    ];
    io.out(`${e.kind.padEnd(12)} ${JSON.stringify(e.path).slice(1, -1)}${notes.length ? `  [${notes.join('; ')}]` : ''}`);
  }
  return EXIT_OK;
}

async function diff(args: string[], airlock: Airlock, io: CommandIo): Promise<number> {
  const { positional } = parse(args, []);
  const set = await airlock.changes();
  const paths = positional.length ? positional : set.entries.map((e) => e.path);
  let missing = 0;
  for (const p of paths) {
    if (!set.get(p)) {
      io.err(`${p}: no pending change`);
      missing++;
      continue;
    }
    io.out(`diff ${p} (${set.get(p)!.kind})`);
    const text = await airlock.diff(p);
    if (text) io.out(text);
  }
  return missing ? EXIT_ERROR : EXIT_OK;
}

async function apply(args: string[], airlock: Airlock, io: CommandIo): Promise<number> {
  const { flags, positional } = parse(args, ['all', 'include-risky', 'on-conflict']);
  const all = flags.has('all');
  if (all === positional.length > 0) throw new UsageError(all ? '--all and paths cannot be combined' : 'name the paths to apply, or --all');
  const includeRisky = flags.has('include-risky');
  const onConflictFlag = flags.get('on-conflict');
  if (onConflictFlag !== undefined && !RESOLUTIONS.includes(onConflictFlag as ConflictResolution)) {
    throw new UsageError(`--on-conflict must be one of ${RESOLUTIONS.join(', ')}`);
  }
  const onConflict = onConflictFlag as ConflictResolution | undefined;

  let leftOver = false;
  let paths: string[] | undefined;
  if (all) {
    const approval = await airlock.approveAll({ includeRisky });
    for (const s of approval.skipped) io.out(`skipped   ${s.path}: ${s.reasons.join('; ')}`);
    if (approval.skipped.some((s) => s.kind === 'risky'))
      io.out('Risky changes were skipped; review them, then apply them by name with --include-risky.');
    leftOver = approval.skipped.length > 0;
  } else {
    const specs = positional.map(parsePathSpec);
    const set = await airlock.changes();
    paths = [];
    for (const spec of specs) {
      const entry = set.get(spec.path);
      if (!entry) {
        io.out(`skipped   ${spec.path}: no pending change at this path`);
        leftOver = true;
        continue;
      }
      if (entry.risks.length && !includeRisky) {
        io.out(`skipped   ${spec.path}: risky (${entry.risks.map((r) => r.reason).join('; ')}); add --include-risky to apply it`);
        leftOver = true;
        continue;
      }
      await airlock.decide(spec.path, 'approved', { hunks: spec.hunks });
      paths.push(spec.path);
    }
    if (!paths.length) return leftOver ? EXIT_LEFT_OVER : EXIT_OK;
  }
  const report = await airlock.apply({ paths, onConflict });
  printApplyReport(report, io);
  if (report.conflicts.length || report.refused.length || report.notApproved.length) leftOver = true;
  return leftOver ? EXIT_LEFT_OVER : EXIT_OK;
}

export function printApplyReport(report: ApplyReport, io: CommandIo): void {
  for (const a of report.applied) {
    const hunks = a.hunks ? ` (hunk${a.hunks.length > 1 ? 's' : ''} ${a.hunks.join(',')})` : '';
    io.out(`${a.status.padEnd(9)} ${a.path}${hunks}${a.notes.length ? `  [${a.notes.join('; ')}]` : ''}`);
  }
  for (const p of report.keptTheirs) io.out(`kept      ${p}: your version kept (conflict)`);
  for (const r of report.refused) io.out(`refused   ${r.path}: ${r.reasons.join('; ')}`);
  for (const p of report.notApproved) io.out(`skipped   ${p}: nothing approved to apply`);
  for (const c of report.conflicts) io.out(`conflict  ${c.path}: ${c.reason}`);
  for (const w of report.warnings) io.err(`warning: ${w}`);
  if (report.conflicts.length) {
    io.out(
      `${report.conflicts.length} conflict${report.conflicts.length === 1 ? '' : 's'} left unwritten. Choose with --on-conflict=keep-theirs (leave your file), take-sandbox (overwrite it) or markers (write conflict markers).`,
    );
  }
  if (!report.applied.length && !report.conflicts.length && !report.refused.length) io.out('Nothing to apply.');
}

async function discard(args: string[], airlock: Airlock, io: CommandIo): Promise<number> {
  const { flags, positional } = parse(args, ['all']);
  const all = flags.has('all');
  if (all === positional.length > 0)
    throw new UsageError(all ? '--all and paths cannot be combined' : 'name the paths to discard, or --all');
  const result = await airlock.discard(all ? 'all' : positional);
  for (const p of result.discarded) io.out(`discarded ${p}`);
  for (const f of result.failed) io.out(`not discarded ${f.path}: ${f.reason}`);
  if (!result.discarded.length && !result.failed.length) io.out('Nothing to discard.');
  return result.failed.length ? EXIT_LEFT_OVER : EXIT_OK;
}

async function undo(args: string[], airlock: Airlock, io: CommandIo): Promise<number> {
  const { flags, positional } = parse(args, ['force']);
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  const report = await airlock.undo({ force: flags.has('force') });
  if (report.undone) {
    io.out(report.message);
    for (const p of report.paths) io.out(`restored  ${p}`);
    return EXIT_OK;
  }
  io.err(report.message);
  for (const p of report.changedSinceApply) io.err(`changed since apply: ${p}`);
  if (report.changedSinceApply.length) {
    io.err('Run "undo --force" to restore them anyway (your later edits to those files are lost).');
    return EXIT_LEFT_OVER;
  }
  return EXIT_ERROR;
}
