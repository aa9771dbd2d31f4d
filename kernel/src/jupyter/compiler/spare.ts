/**
 * A spare compiler process: started from the snapshot by a kernel whose own compiler is ready, it
 * reads the snapshot (the longest part of a compiler's start) and then waits, on a Unix socket
 * beside the snapshot file, for the next kernel. That kernel renames the socket (so no other takes
 * the same spare), connects, and sends its folder and configuration; the spare then builds the
 * converter for that folder and serves that kernel alone, and ends when the kernel's connection
 * does. A spare nobody takes ends after `TASKCELL_SPARE_IDLE_MS` (10 minutes by default), or when
 * its socket file is gone. Node's modules only: the snapshot bundles this file.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { CompilerMessage, ICompileRequest, ICompilerConfig, ITransport } from './serve';

/** What a kernel sends a spare first. */
export interface ISpareClaim {
  claim: { cwd: string; config: ICompilerConfig };
}

/**
 * How many spares wait for a snapshot at most: two, so that a kernel restarted right after its
 * first cell (which took one) finds the other ready while the replacement still reads the snapshot.
 */
export const SPARES = 2;

/** Where the spare in `slot` for a snapshot file waits. */
export const spareSocketPath = (snapshot: string, slot: number): string => `${snapshot}.spare${slot}`;

/** The pid of a spare that is still reading the snapshot (written by the kernel that started it, removed once it listens). */
export const spareStartingPath = (snapshot: string, slot: number): string => `${spareSocketPath(snapshot, slot)}-starting`;

/** The environment variable that tells a compiler process started from the snapshot to wait as a spare, on this socket. */
export const SPARE_SOCKET = 'TASKCELL_COMPILER_SPARE_SOCKET';

/** Newline-delimited JSON over a socket. */
export function socketTransport(socket: Socket, first: (m: unknown) => boolean = () => false): ITransport {
  const handlers: Array<(m: ICompileRequest) => void> = [];
  let buffered = '';
  let claimed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let at: number;
    while ((at = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      const m = JSON.parse(line) as unknown;
      if (!claimed) {
        claimed = true;
        if (first(m)) continue;
      }
      for (const h of handlers) h(m as ICompileRequest);
    }
  });
  return {
    send: (m: CompilerMessage) => void socket.write(`${JSON.stringify(m)}\n`),
    onMessage: (fn) => void handlers.push(fn),
    onClose: (fn) => void socket.on('close', fn),
  };
}

/**
 * Wait on `socketPath` for a kernel; `start` gets its claim and the connection to serve it on.
 * A second process waiting on the same path finds it taken and ends.
 */
export function waitAsSpare(socketPath: string, start: (claim: ISpareClaim['claim'], transport: ITransport) => void): void {
  const idleMs = Number(process.env.TASKCELL_SPARE_IDLE_MS ?? 600_000);
  let missing = 0;
  const server = createServer((socket) => {
    server.close();
    clearTimeout(idle);
    clearInterval(watch);
    socket.on('error', () => process.exit(0));
    const transport = socketTransport(socket, (m) => {
      const claim = (m as Partial<ISpareClaim>).claim;
      if (!claim || typeof claim.cwd !== 'string') {
        socket.destroy();
        process.exit(1);
      }
      start(claim, transport);
      return true;
    });
  });
  server.on('error', () => process.exit(0));
  server.listen(socketPath, () => {
    chmodSync(socketPath, 0o600);
    rmSync(`${socketPath}-starting`, { force: true });
  });
  const idle = setTimeout(() => {
    rmSync(socketPath, { force: true });
    process.exit(0);
  }, idleMs);
  // Gone twice in a row (a kernel renames it just before connecting): nobody can reach this spare.
  const watch = setInterval(() => {
    missing = existsSync(socketPath) ? 0 : missing + 1;
    if (missing >= 2) process.exit(0);
  }, 2000);
}
