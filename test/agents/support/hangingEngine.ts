/**
 * An engine that hangs: a unix socket that accepts connections, reads what comes and never
 * answers. DOCKER_HOST pointed at it makes every Engine API call wait until its caller gives
 * up, the way a wedged daemon does.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface HangingEngine {
  /** The DOCKER_HOST value, unix:///…/docker.sock. */
  readonly dockerHost: string;
  /** Connections accepted so far: proof that something did try to talk to the engine. */
  connections(): number;
  close(): Promise<void>;
}

export async function startHangingEngine(): Promise<HangingEngine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-hang-'));
  const socketPath = path.join(dir, 'docker.sock');
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    dockerHost: `unix://${socketPath}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
