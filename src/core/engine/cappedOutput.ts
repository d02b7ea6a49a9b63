/**
 * Keeps at most `cap` bytes of a stream: the first half and the last half, so both the start
 * of the output and its final lines (usually the error) survive. Everything in between is
 * counted and dropped; memory stays bounded whatever the command prints.
 */
export class CappedOutput {
  private readonly headCap: number;
  private readonly tailCap: number;
  private readonly head: Buffer[] = [];
  private headSize = 0;
  private tail: Buffer[] = [];
  private tailSize = 0;
  dropped = 0;

  constructor(cap: number) {
    this.headCap = Math.ceil(cap / 2);
    this.tailCap = Math.floor(cap / 2);
  }

  push(chunk: Buffer): void {
    if (this.headSize < this.headCap) {
      const take = Math.min(chunk.length, this.headCap - this.headSize);
      this.head.push(chunk.subarray(0, take));
      this.headSize += take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailSize += chunk.length;
    while (this.tailSize > this.tailCap && this.tail.length > 0) {
      const excess = this.tailSize - this.tailCap;
      const first = this.tail[0]!;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailSize -= first.length;
        this.dropped += first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailSize -= excess;
        this.dropped += excess;
      }
    }
  }

  toBuffer(): Buffer {
    if (this.dropped === 0) return Buffer.concat([...this.head, ...this.tail]);
    const marker = Buffer.from(`\n[... ${this.dropped} bytes dropped by the sandbox's output cap ...]\n`);
    return Buffer.concat([...this.head, marker, ...this.tail]);
  }
}
