/**
 * One health probe of a running session: is the engine answering, is the container running,
 * is the copy under its disk cap. Bounded in time, because a hung engine must turn into a
 * refusal, not into a wait.
 */
import type { SandboxSession } from '../../core/session/session';

export type Health =
  | { readonly healthy: true }
  | { readonly healthy: false; readonly mode: 'degraded' | 'error'; readonly reason: string; readonly detail: string };

const PROBE_TIMEOUT_MS = 4000;

export async function probeHealth(session: SandboxSession): Promise<Health> {
  const probe = await session.probe(PROBE_TIMEOUT_MS);
  if (probe.container === 'removed') {
    return {
      healthy: false,
      mode: 'degraded',
      reason: 'container removed',
      detail: 'The sandbox container was removed outside the extension. Start the sandbox again; pending changes in its copy are kept.',
    };
  }
  if (probe.container === 'unknown') {
    return {
      healthy: false,
      mode: 'error',
      reason: 'engine unreachable',
      detail: `The Docker engine does not answer (${(probe.error as Error).message}). Start Docker (or fix DOCKER_HOST); nothing runs until it is back.`,
    };
  }
  if (probe.container === 'stopped') {
    return {
      healthy: false,
      mode: 'degraded',
      reason: 'container stopped',
      detail: 'The sandbox container is not running. Start the sandbox again; pending changes in its copy are kept.',
    };
  }
  if (session.isOverDiskCap()) {
    return {
      healthy: false,
      mode: 'degraded',
      reason: 'disk cap reached',
      detail: `The sandbox's copy has grown past its disk cap of ${session.policy.diskCapMb} MiB. Apply or discard the pending changes, or reset the sandbox.`,
    };
  }
  return { healthy: true };
}
