/** The part of tar-stream (2.x, untyped) that the archive reader uses. */
declare module 'tar-stream' {
  import type { Readable, Writable } from 'node:stream';
  export interface Headers {
    name: string;
    size: number;
    mode: number;
    mtime: Date;
    type: string;
    linkname: string | null;
  }
  export interface Extract extends Writable {
    on(event: 'entry', listener: (header: Headers, stream: Readable, next: (err?: Error) => void) => void): this;
    on(event: 'finish' | 'close', listener: () => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
  }
  export function extract(options?: { filenameEncoding?: string; allowUnknownFormat?: boolean }): Extract;
  export interface Pack extends Readable {
    entry(header: Partial<Headers> & { name: string }, data?: Buffer | string, callback?: (err?: Error) => void): Writable;
    finalize(): void;
  }
  export function pack(): Pack;
}
