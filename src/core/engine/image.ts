/**
 * Makes sure the sandbox image exists. The default ("agent-sandbox:auto") is built locally
 * from media/Dockerfile on top of the configured base image, tagged by a hash of the
 * Dockerfile and the base image's id, so a rebuild happens only when either changes and no
 * registry is needed when the base is present locally.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type Docker from 'dockerode';
import { SandboxError } from '../errors';
import { isNotFound } from './connection';
import { mediaPath } from '../paths';
import { AUTO_IMAGE, type Policy } from '../policy';
import { LABELS } from './hardening';

export interface ImageProgress {
  (message: string): void;
}

export interface EnsuredImage {
  readonly name: string;
  readonly id: string;
  /** Environment the image sets itself (the hardening check allows these). */
  readonly env: readonly string[];
  readonly built: boolean;
}

async function inspectImage(docker: Docker, name: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function pull(docker: Docker, name: string, progress?: ImageProgress): Promise<void> {
  const stream = await docker.pull(name);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (event: { status?: string; error?: string }) => {
        if (event.status) progress?.(`Pulling ${name}: ${event.status}`);
      },
    );
  });
}

async function requireImage(docker: Docker, name: string, role: string, progress?: ImageProgress): Promise<Docker.ImageInspectInfo> {
  const found = await inspectImage(docker, name);
  if (found) return found;
  progress?.(`Pulling ${role} ${name}`);
  try {
    await pull(docker, name, progress);
  } catch (err) {
    throw new SandboxError(
      'IMAGE_MISSING',
      `The ${role} "${name}" is not on this machine and could not be pulled: ${(err as Error).message}`,
      `Pull or build it (\`docker pull ${name}\`), or set the sandbox's ${role === 'image' ? 'image' : 'baseImage'} to an image that exists locally.`,
      { cause: err },
    );
  }
  const pulled = await inspectImage(docker, name);
  if (!pulled) throw new SandboxError('IMAGE_MISSING', `The ${role} "${name}" is still missing after a pull.`);
  return pulled;
}

export function builtImageTag(dockerfile: string, baseImageId: string): string {
  const digest = crypto.createHash('sha256').update(dockerfile).update('\0').update(baseImageId).digest('hex').slice(0, 16);
  return `agent-sandbox:${digest}`;
}

export async function ensureImage(docker: Docker, policy: Policy, progress?: ImageProgress): Promise<EnsuredImage> {
  if (policy.image !== AUTO_IMAGE) {
    const info = await requireImage(docker, policy.image, 'image', progress);
    return { name: policy.image, id: info.Id, env: info.Config?.Env ?? [], built: false };
  }
  const base = await requireImage(docker, policy.baseImage, 'base image', progress);
  const dockerfile = fs.readFileSync(mediaPath('Dockerfile'), 'utf8');
  const tag = builtImageTag(dockerfile, base.Id);
  const existing = await inspectImage(docker, tag);
  if (existing) return { name: tag, id: existing.Id, env: existing.Config?.Env ?? [], built: false };

  progress?.(`Building the sandbox image from ${policy.baseImage}`);
  const stream = await docker.buildImage(
    { context: mediaPath(), src: ['Dockerfile'] },
    { t: tag, buildargs: { BASE_IMAGE: policy.baseImage }, labels: { [LABELS.managed]: '1' }, rm: true, forcerm: true },
  );
  const buildLog: string[] = [];
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: { error?: string }[]) => {
        const failed = err?.message ?? events?.find((e) => e.error)?.error;
        if (failed) {
          reject(
            new SandboxError(
              'IMAGE_BUILD_FAILED',
              `Building the sandbox image from "${policy.baseImage}" failed: ${failed.trim()}\n${buildLog.slice(-10).join('')}`,
              'The base image must be a Debian- or Alpine-like Linux with a shell; set baseImage to one that is present locally.',
            ),
          );
        } else resolve();
      },
      (event: { stream?: string }) => {
        if (event.stream) {
          buildLog.push(event.stream);
          const line = event.stream.trim();
          if (line) progress?.(line);
        }
      },
    );
  });
  const built = await inspectImage(docker, tag);
  if (!built) throw new SandboxError('IMAGE_BUILD_FAILED', `The sandbox image ${tag} is missing after its build.`);
  return { name: tag, id: built.Id, env: built.Config?.Env ?? [], built: true };
}
