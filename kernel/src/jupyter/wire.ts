import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { SignatureError, WireError } from './errors';
import type { IHeader, IMessage } from './messages';

/** The frame that separates routing identities from the message. */
export const DELIMITER = '<IDS|MSG>';

/** A decoded message with the routing identities it came with (replies go back to them). */
export interface IIncoming {
  ids: Buffer[];
  msg: IMessage;
}

/**
 * The Jupyter wire format: frames to messages and back, signed with HMAC. With an empty key
 * nothing is signed or checked, as the protocol says; with a key, a missing or wrong signature
 * is a SignatureError and the message is never handed on.
 */
export class Wire {
  private readonly key: Buffer;
  private readonly algorithm: string;

  constructor(key: string, scheme = 'hmac-sha256') {
    const m = /^hmac-(sha256|sha512|sha1|md5)$/.exec(scheme);
    if (!m)
      throw new WireError(`Expected signature_scheme hmac-sha256 (or hmac-sha512, hmac-sha1, hmac-md5), got ${JSON.stringify(scheme)}`, {});
    this.algorithm = m[1];
    this.key = Buffer.from(key, 'utf8');
  }

  /** The hex HMAC of the four message frames. */
  sign(frames: readonly Buffer[]): string {
    if (this.key.length === 0) return '';
    const h = createHmac(this.algorithm, this.key);
    for (const f of frames) h.update(f);
    return h.digest('hex');
  }

  /** Frames for a message: identities, delimiter, signature, header, parent, metadata, content, buffers. */
  encode(msg: IMessage<unknown>, ids: readonly Buffer[] = []): Buffer[] {
    const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p), 'utf8'));
    return [...ids, Buffer.from(DELIMITER), Buffer.from(this.sign(parts)), ...parts, ...msg.buffers];
  }

  /** Parse and verify frames; throws WireError for malformed frames and SignatureError for a bad signature. */
  decode(frames: readonly Buffer[]): IIncoming {
    const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString('latin1') === DELIMITER);
    if (at < 0) throw new WireError(`Expected a ${DELIMITER} delimiter frame, got ${frames.length} frames without one`, {});
    if (frames.length - at - 1 < 5)
      throw new WireError(`Expected a signature and four message frames after the delimiter, got ${frames.length - at - 1}`, {});
    const ids = frames.slice(0, at);
    const signature = frames[at + 1];
    const parts = frames.slice(at + 2, at + 6);
    if (this.key.length > 0) {
      const expected = Buffer.from(this.sign(parts), 'latin1');
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
        throw new SignatureError(signature.length === 0 ? 'Message has no signature' : 'Message signature does not match', {});
      }
    }
    const [header, parent, metadata, content] = parts.map((p, i) => Private.parse(p, Private.NAMES[i]));
    if (!Private.isHeader(header)) throw new WireError('Expected a header with string msg_id, msg_type and session', {});
    return {
      ids,
      msg: {
        header,
        parent_header: (parent ?? {}) as Partial<IHeader>,
        metadata: (metadata ?? {}) as Record<string, unknown>,
        content: (content ?? {}) as Record<string, unknown>,
        buffers: frames.slice(at + 6),
      },
    };
  }
}

/**
 * Frames as zeromq should be given them: text as strings, which zeromq copies. zeromq sends a
 * Buffer over 128 bytes without copying and, once its I/O thread is done with it, hands it back to
 * the JavaScript thread that sent it; when that comes after the thread or process has ended (the
 * last output before a shutdown), it writes into freed memory, and the process aborts at exit.
 * A string copy needs nothing from the sending thread. Binary frames (a comm's buffers) stay Buffers.
 */
export function sendable(frames: readonly Uint8Array[]): Array<string | Uint8Array> {
  return frames.map((f) =>
    f.byteLength > Private.COPIED && isUtf8(f) ? Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('utf8') : f,
  );
}

namespace Private {
  /** zeromq copies frames up to this size itself. */
  export const COPIED = 128;

  export const NAMES = ['header', 'parent_header', 'metadata', 'content'];

  export function parse(frame: Buffer, name: string): Record<string, unknown> {
    let v: unknown;
    try {
      v = JSON.parse(frame.toString('utf8'));
    } catch (err) {
      throw new WireError(`Expected JSON in the ${name} frame: ${(err as Error).message}`, {});
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new WireError(`Expected an object in the ${name} frame, got ${Array.isArray(v) ? 'an array' : typeof v}`, {});
    return v as Record<string, unknown>;
  }

  export function isHeader(h: Record<string, unknown>): h is IHeader {
    return typeof h.msg_id === 'string' && typeof h.msg_type === 'string' && typeof h.session === 'string';
  }
}
