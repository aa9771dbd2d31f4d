/** Which stream a frame of Docker's multiplexed attach stream belongs to. */
export type DockerStream = 'stdin' | 'stdout' | 'stderr';

/**
 * Docker's attach stream framing, taken apart: each frame is an 8-byte header
 * `[stream type (0 stdin, 1 stdout, 2 stderr), 0, 0, 0, payload size as big-endian uint32]` and the
 * payload. Headers and payloads may be split across writes at any byte; the demultiplexer buffers
 * what it needs and hands each payload piece to `onData` as soon as it arrives.
 */
export class Demultiplexer {
  private header = Buffer.alloc(8);
  private headerFill = 0;
  private remaining = 0;
  private stream: DockerStream = 'stdout';

  constructor(private readonly onData: (stream: DockerStream, payload: Buffer) => void) {}

  /** Feed bytes as they come off the connection. */
  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(8 - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + take);
        this.headerFill += take;
        at += take;
        if (this.headerFill < 8) return;
        this.headerFill = 0;
        this.stream = Private.STREAMS[this.header[0]] ?? 'stdout';
        this.remaining = this.header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      this.onData(this.stream, chunk.subarray(at, at + take));
      this.remaining -= take;
      at += take;
    }
  }
}

namespace Private {
  export const STREAMS: Record<number, DockerStream> = { 0: 'stdin', 1: 'stdout', 2: 'stderr' };
}
