/**
 * An HTTP agent that carries Engine API requests over one ssh connection: each request gets
 * its own channel running `docker system dial-stdio` on the far side (as the docker CLI does).
 * docker-modem's own ssh support opens a new ssh connection, with its key exchange, for every
 * request, which costs about a second each; here the connection is made once and reused.
 * While no request is open the connection does not keep the process alive.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';

export class SshDialAgent extends http.Agent {
  private client: Promise<Client> | undefined;
  private socket: net.Socket | undefined;
  private open = 0;

  constructor(private readonly config: ConnectConfig & { host: string; port: number }) {
    super({ keepAlive: true, maxFreeSockets: 4 });
  }

  override createConnection(_options: unknown, callback: (err: Error | null, stream?: Duplex) => void): undefined {
    // Held from here until the channel closes, so the process waits for the request.
    this.hold();
    this.connected().then(
      (client) =>
        client.exec('docker system dial-stdio', (err, channel) => {
          if (err) {
            this.release();
            return callback(err);
          }
          callback(null, this.asSocket(channel));
        }),
      (err: Error) => {
        this.release();
        callback(err);
      },
    );
    return undefined;
  }

  override destroy(): void {
    super.destroy();
    const client = this.client;
    this.client = undefined;
    void client?.then((c) => c.end()).catch(() => undefined);
  }

  private connected(): Promise<Client> {
    if (this.client) return this.client;
    const socket = net.connect(this.config.port, this.config.host);
    this.socket = socket;
    const client = new Client();
    const ready = new Promise<Client>((resolve, reject) => {
      client.once('ready', () => resolve(client));
      client.once('error', (err) => {
        if (this.client === ready) this.client = undefined;
        reject(err);
      });
      client.once('close', () => {
        if (this.client === ready) this.client = undefined;
      });
    });
    // A later error (the far side went away) must not crash the process; the next request reconnects.
    client.on('error', () => undefined);
    this.client = ready;
    client.connect({ ...this.config, sock: socket });
    if (this.open === 0) socket.unref();
    return ready;
  }

  private hold(): void {
    this.open++;
    this.socket?.ref();
  }

  private release(): void {
    this.open--;
    if (this.open === 0) this.socket?.unref();
  }

  /**
   * http expects a socket; a channel lacks the socket-only calls. The agent refs a socket
   * while a request uses it and unrefs it while it waits in the keep-alive pool, which here
   * holds and releases the ssh connection.
   */
  private asSocket(channel: Duplex): Duplex {
    let held = true;
    const s = channel as Duplex & Record<string, unknown>;
    s.ref = () => {
      if (!held) this.hold();
      held = true;
      return channel;
    };
    s.unref = () => {
      if (held) this.release();
      held = false;
      return channel;
    };
    channel.once('close', () => {
      if (held) this.release();
      held = false;
    });
    for (const name of ['setKeepAlive', 'setNoDelay', 'setTimeout']) s[name] = () => channel;
    return channel;
  }
}
