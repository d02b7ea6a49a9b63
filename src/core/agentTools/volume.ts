/**
 * The persistent tools volume: one named Docker volume per sandbox user, where agent CLIs
 * installed with `agent-sandbox tools install` live between sessions. Every session mounts
 * it read-only at SANDBOX_TOOLS_MOUNT (its bin last on PATH); only the short-lived installer
 * container mounts it writable. Its data stays in the engine's volume store: the host never
 * reads or writes the files an install put there, which package scripts may have shaped.
 */
import type Docker from 'dockerode';
import { isNotFound } from '../engine/connection';
import { LABELS } from '../engine/hardening';
import { SandboxError } from '../errors';

/** The volume of a sandbox user (`UID:GID`); AGENT_SANDBOX_TOOLS_VOLUME names another (tests). */
export function toolsVolumeName(user: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.AGENT_SANDBOX_TOOLS_VOLUME;
  if (override) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(override)) {
      throw new SandboxError(
        'POLICY_INVALID',
        `AGENT_SANDBOX_TOOLS_VOLUME "${override}" is not a volume name.`,
        'Use letters, digits, "_", "." and "-" only, or unset it.',
      );
    }
    return override;
  }
  return `agent-sandbox-tools-${user.replace(':', '-')}`;
}

/**
 * Makes sure the volume exists and is the product's. A volume of that name that the product
 * did not make is refused: mounting it would run whatever someone else put there.
 */
export async function ensureToolsVolume(docker: Docker, user: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const name = toolsVolumeName(user, env);
  let info: Docker.VolumeInspectInfo | undefined;
  try {
    info = (await docker.getVolume(name).inspect()) as Docker.VolumeInspectInfo;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!info) {
    // Creating a volume that exists already returns it: two starts racing here both succeed.
    await docker.createVolume({ Name: name, Driver: 'local', Labels: { [LABELS.managed]: '1', [LABELS.toolsUser]: user } });
    info = (await docker.getVolume(name).inspect()) as Docker.VolumeInspectInfo;
  }
  const labels = info.Labels ?? {};
  if (labels[LABELS.managed] !== '1' || labels[LABELS.toolsUser] !== user) {
    throw new SandboxError(
      'POLICY_INVALID',
      `The Docker volume "${name}" exists but was not made by Agent Sandbox for the sandbox user ${user}; it is not mounted into the sandbox.`,
      `Remove or rename it (\`docker volume rm ${name}\`), then start the sandbox again.`,
    );
  }
  return name;
}
