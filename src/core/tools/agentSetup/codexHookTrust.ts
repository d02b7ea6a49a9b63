/**
 * Codex's record that a person trusted a hook, reproduced for the one hook the set-up adds.
 *
 * Codex runs a hook from config.toml only when `[hooks.state."KEY"]` holds a `trusted_hash`
 * equal to the hook's current hash; otherwise it skips the hook without a word, and the shell
 * command it would have checked runs unchecked. Its /hooks screen writes that record after a
 * person reviews the hook. The set-up writes the same record for the hook it adds, in its own
 * marked block, so it is in the diff the person confirms and undo removes it with the block.
 *
 * As Codex computes them (measured against `codex app-server`'s hooks/list):
 * - KEY is `<config.toml path>:pre_tool_use:<group index>:<handler index>`, the group index
 *   counting the file's `[[hooks.PreToolUse]]` groups from 0.
 * - The hash is `sha256:` and the hex SHA-256 of the compact JSON, keys sorted at every level,
 *   of `{event_name, matcher, hooks: [handler]}`, the handler with `type`, `command`,
 *   `timeout` and `async` (optional fields left out when unset).
 * A hook whose line is changed by hand no longer matches and Codex skips it again; the
 * set-up's note says what that means.
 */
import { createHash } from 'node:crypto';

/** The handler fields the set-up writes, as Codex normalises them for hashing. */
export interface CodexCommandHook {
  readonly matcher: string;
  readonly command: string;
  readonly timeoutSec: number;
}

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

function sortedKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') {
    const object = value as { readonly [key: string]: Json };
    return Object.fromEntries(
      Object.keys(object)
        .sort()
        .map((k) => [k, sortedKeys(object[k]!)]),
    );
  }
  return value;
}

/** The hash Codex keeps as `trusted_hash` for a PreToolUse command hook. */
export function codexPreToolUseHookHash(hook: CodexCommandHook): string {
  const identity: Json = {
    event_name: 'pre_tool_use',
    matcher: hook.matcher,
    hooks: [{ type: 'command', command: hook.command, timeout: hook.timeoutSec, async: false }],
  };
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(sortedKeys(identity)))
    .digest('hex')}`;
}

/** Codex's key for the first handler of the `groupIndex`-th PreToolUse group of `configFile`. */
export function codexPreToolUseHookKey(configFile: string, groupIndex: number): string {
  return `${configFile}:pre_tool_use:${groupIndex}:0`;
}
