import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { IStreamSink } from '@taskcell/core';
import { DockerError } from './errors';
import { ProgressLineParser } from './progress';
import type { IProgressReport } from './progress';
import type { BindMountVolume } from './volumes';

/**
 * A named pipe (FIFO) in a volume, known by its path on both sides (Girder Worker's
 * `NamedPipeBase`). The FIFO is made when a run prepares its connections.
 */
export class NamedPipe {
  readonly hostPath: string;
  readonly containerPath: string;

  /** A pipe `name` in a volume, or under explicit container and host directories. */
  constructor(name: string, where: BindMountVolume | { containerPath: string; hostPath: string }) {
    this.containerPath = `${where.containerPath}/${name}`;
    this.hostPath = join(where.hostPath, name);
  }

  /** The container path (what the pipe becomes in container arguments). */
  transform(): string {
    return this.containerPath;
  }
}

/** A pipe the container reads from: the host writes into it (Girder Worker's `NamedInputPipe`). */
export class NamedInputPipe extends NamedPipe {}

/** A pipe the container writes to: the host reads from it (Girder Worker's `NamedOutputPipe`). */
export class NamedOutputPipe extends NamedPipe {}

/**
 * The progress pipe: an output pipe `.girder_progress` in a volume. The container writes one JSON
 * object per line (`{"message": "...", "current": 10, "total": 100}`); each becomes a progress
 * report as soon as its line is complete.
 */
export class ProgressPipe extends NamedOutputPipe {
  constructor(where: BindMountVolume | { containerPath: string; hostPath: string }) {
    super('.girder_progress', where);
  }
}

/** A stream joined to a pipe for one run; `dockerRun` drives it. */
export interface IPipeConnection {
  readonly pipe: NamedPipe;
  /** Make the FIFO (and, for output pipes, open its read end) before the container starts. */
  prepare(): Promise<void>;
  /** Move the data; `exited` resolves when the container has exited. Resolves when the data has moved. */
  run(exited: Promise<unknown>): Promise<void>;
  /** Release file descriptors; idempotent. */
  close(): void;
}

/** Feed a stream, bytes or text into an input pipe (Girder Worker's `connect(stream, NamedInputPipe)`). */
export function connect(source: Readable | Buffer | string, pipe: NamedInputPipe): IPipeConnection;
/** Send what the container writes into an output pipe to a writable stream or a callback. */
export function connect(pipe: NamedOutputPipe, sink: Writable | ((chunk: Buffer) => void)): IPipeConnection;
export function connect(
  a: Readable | Buffer | string | NamedOutputPipe,
  b: NamedInputPipe | Writable | ((chunk: Buffer) => void),
): IPipeConnection {
  if (a instanceof NamedOutputPipe) return new Private.OutputConnection(a, b as Writable | ((chunk: Buffer) => void));
  return new Private.InputConnection(b as NamedInputPipe, a as Readable | Buffer | string);
}

/** Connect a progress pipe to a callback that gets each report. */
export function connectProgress(pipe: ProgressPipe, onReport: (report: IProgressReport) => void): IPipeConnection {
  const parser = new ProgressLineParser(onReport);
  return connect(pipe, (chunk) => parser.write(chunk));
}

/**
 * A writable stream over a streaming output's sink: each chunk is written into the sink, and the next
 * is taken only once the sink has room, so a container writing faster than its reader reads waits
 * in its own write to the pipe. Ending the stream ends the sink.
 */
export function sinkWritable(sink: IStreamSink): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const wait = sink.write(chunk);
      if (wait) wait.then(() => callback(), callback);
      else callback();
    },
    final(callback) {
      sink.end();
      callback();
    },
  });
}

/** Make a FIFO at `path`, readable and writable by anyone (the container may run as another user). */
export async function mkfifo(path: string): Promise<void> {
  try {
    await Private.execFileAsync('mkfifo', ['-m', '0666', path]);
  } catch (err) {
    throw new DockerError(`Cannot make the named pipe ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
}

namespace Private {
  export const execFileAsync = promisify(execFile);
  const POLL_MS = 5;

  /**
   * Host to container. The write end is opened without blocking only once the container has opened
   * the read end (ENXIO until then, polled), so no thread waits on a FIFO nobody opens and no data
   * is written into a pipe that would drop it.
   */
  export class InputConnection implements IPipeConnection {
    private fd: number | undefined;
    private closed = false;
    private started = false;

    constructor(
      readonly pipe: NamedInputPipe,
      private readonly source: Readable | Buffer | string,
    ) {}

    prepare(): Promise<void> {
      return mkfifo(this.pipe.hostPath);
    }

    async run(exited: Promise<unknown>): Promise<void> {
      let done = false;
      void exited.then(() => (done = true));
      while (!this.closed) {
        try {
          this.fd = openSync(this.pipe.hostPath, constants.O_WRONLY | constants.O_NONBLOCK);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
          if (done) return;
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
      }
      if (this.fd === undefined) return;
      this.started = true;
      const socket = new Socket({ fd: this.fd, readable: false, writable: true });
      this.fd = undefined;
      const src = typeof this.source === 'string' || Buffer.isBuffer(this.source) ? Readable.from([Buffer.from(this.source)]) : this.source;
      try {
        await pipeline(src, socket);
      } catch (err) {
        // The container closing its end early (EPIPE) is its business; the run's exit status tells.
        if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
      }
    }

    close(): void {
      this.closed = true;
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      // A source stream nobody read (the container never opened the pipe) still holds its file.
      if (!this.started && this.source instanceof Readable) this.source.destroy();
    }
  }

  /**
   * Container to host. The read end is opened before the container starts, with a placeholder write
   * end held open so the reader sees no end of file before the container opens the pipe; the
   * placeholder is closed when the container exits, and the reader then drains what is left.
   */
  export class OutputConnection implements IPipeConnection {
    private readFd: number | undefined;
    private holdFd: number | undefined;
    private started = false;

    constructor(
      readonly pipe: NamedOutputPipe,
      private readonly sink: Writable | ((chunk: Buffer) => void),
    ) {}

    async prepare(): Promise<void> {
      await mkfifo(this.pipe.hostPath);
      this.readFd = openSync(this.pipe.hostPath, constants.O_RDONLY | constants.O_NONBLOCK);
      this.holdFd = openSync(this.pipe.hostPath, constants.O_WRONLY | constants.O_NONBLOCK);
    }

    async run(exited: Promise<unknown>): Promise<void> {
      if (this.readFd === undefined)
        throw new DockerError(`Output pipe ${this.pipe.hostPath} was not prepared`, { path: this.pipe.hostPath });
      const socket = new Socket({ fd: this.readFd, readable: true, writable: false });
      this.readFd = undefined;
      this.started = true;
      void exited.then(
        () => this.releaseHold(),
        () => this.releaseHold(),
      );
      const sink = this.sink;
      if (typeof sink === 'function') {
        for await (const chunk of socket) sink(chunk as Buffer);
      } else {
        await pipeline(socket, sink);
      }
    }

    private releaseHold(): void {
      if (this.holdFd !== undefined) closeSync(this.holdFd);
      this.holdFd = undefined;
    }

    close(): void {
      this.releaseHold();
      if (this.readFd !== undefined) closeSync(this.readFd);
      this.readFd = undefined;
      if (!this.started && typeof this.sink !== 'function') this.sink.destroy();
    }
  }
}
