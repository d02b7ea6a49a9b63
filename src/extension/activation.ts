/**
 * Creating the extension's parts one by one, so that one that fails to start does not take
 * the others down, and shutting them down again. Pure logic over plain objects (no `vscode`
 * import), so that it is unit-tested on its own; contributions.ts lists the parts.
 */

/** Anything with a `dispose()`, as `vscode.Disposable` is. */
export interface DisposableLike {
  dispose(): unknown;
}

/**
 * A part whose cleanup takes time that deactivation must wait for (closing the sandbox's
 * network, say): `deactivate` awaits `shutdown()` of every part that has one, before VS Code
 * disposes the rest.
 */
export interface AsyncShutdown {
  shutdown(): Promise<void>;
}

/** One part of what the extension contributes. */
export interface Contribution {
  /** How the part is named to the person when it fails: "the status bar". */
  readonly name: string;
  /** Parts (by name) this one cannot start without; it is left out when one of them failed. */
  readonly requires?: readonly string[];
  /** Creates the part: what it returns is disposed when the extension deactivates. */
  create(): Created;
}

export type Created =
  DisposableLike | readonly DisposableLike[] | { readonly disposables: readonly DisposableLike[]; readonly shutdown: AsyncShutdown } | void;

export interface ActivationFailure {
  readonly name: string;
  readonly error: unknown;
}

export interface Activated {
  /** In the order they were created. */
  readonly disposables: DisposableLike[];
  readonly shutdowns: AsyncShutdown[];
  /** Parts whose `create` threw. */
  readonly failed: ActivationFailure[];
  /** Parts left out because a part they require failed (or was itself left out). */
  readonly skipped: string[];
}

function isShutdownPair(
  created: Created,
): created is { readonly disposables: readonly DisposableLike[]; readonly shutdown: AsyncShutdown } {
  return !!created && typeof created === 'object' && 'shutdown' in created && 'disposables' in created;
}

/** Creates every part in order; a part that throws is recorded, and the next one still starts. */
export function activateParts(parts: readonly Contribution[]): Activated {
  const result: Activated = { disposables: [], shutdowns: [], failed: [], skipped: [] };
  const down = new Set<string>();
  for (const part of parts) {
    if (part.requires?.some((name) => down.has(name))) {
      down.add(part.name);
      result.skipped.push(part.name);
      continue;
    }
    let created: Created;
    try {
      created = part.create();
    } catch (error) {
      down.add(part.name);
      result.failed.push({ name: part.name, error });
      continue;
    }
    if (isShutdownPair(created)) {
      result.disposables.push(...created.disposables);
      result.shutdowns.push(created.shutdown);
    } else if (Array.isArray(created)) {
      result.disposables.push(...(created as readonly DisposableLike[]));
    } else if (created) {
      result.disposables.push(created as DisposableLike);
    }
  }
  return result;
}

function listed(names: readonly string[]): string {
  return names.length < 2 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The one notification after an activation in which parts failed; undefined when none did. */
export function activationFailureMessage(activated: Pick<Activated, 'failed' | 'skipped'>): string | undefined {
  if (!activated.failed.length) return undefined;
  const failed = listed(activated.failed.map((f) => f.name));
  const off = activated.skipped.length
    ? ` Without ${activated.failed.length === 1 ? 'it' : 'them'}, ${listed(activated.skipped)} ${activated.skipped.length === 1 ? 'is' : 'are'} off too; the rest works.`
    : ' The rest of the extension works.';
  return `Agent Sandbox: ${failed} did not start.${off} The log (Agent Sandbox: Show Logs) has the reason; reload the window to try again.`;
}

/**
 * Awaits every shutdown, all at once. A failure goes to `onError` and does not stop the
 * others; this never rejects, so VS Code still disposes the rest after it.
 */
export async function shutdownAll(shutdowns: readonly AsyncShutdown[], onError: (err: unknown) => void): Promise<void> {
  await Promise.all(
    shutdowns.map(async (s) => {
      try {
        await s.shutdown();
      } catch (err) {
        onError(err);
      }
    }),
  );
}
