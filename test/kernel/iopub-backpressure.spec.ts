/**
 * A slow IOPub subscriber loses nothing: a frontend that stops reading while a cell publishes
 * thousands of messages (a burst of job events, a loop of displays) gets every one of them once it
 * reads again. zeromq's publisher drops what a subscriber has not taken once its queue for that
 * subscriber holds the high-water mark, and its default (1,000 messages) is well below such a burst.
 */
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { KernelClient } from './client';
import type { IMsg } from './client';

jest.setTimeout(300_000);

const MESSAGES = 5000;

describe('IOPub with a subscriber that pauses', () => {
  const k = new KernelClient();
  // Takes little itself (zeromq's default would hold 1,000), so what it has not read waits in the kernel's queue.
  const slow = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 10, receiveTimeout: 60_000 });
  beforeAll(() => k.start());
  afterAll(async () => {
    slow.close();
    await k.close();
  });

  const decode = (frames: Buffer[]): IMsg => {
    const at = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
    const [header, parent, metadata, content] = frames
      .slice(at + 2, at + 6)
      .map((f) => JSON.parse(f.toString()) as Record<string, unknown>);
    return { header: header as IMsg['header'], parent_header: parent, metadata, content };
  };

  it(`delivers all of ${MESSAGES} display messages published while it did not read`, async () => {
    slow.subscribe();
    slow.connect(`ipc://${join(k.dir, 'k')}-2`);
    // Subscribed once the kernel's welcome arrives; from then on, nothing is read until the cell is over.
    expect(decode(await slow.receive()).header.msg_type).toBe('iopub_welcome');
    const reply = await k.request('execute_request', {
      code: `import { display } from "taskcell";\nfor (let i = 0; i < ${MESSAGES}; i++) display.markdown("message " + i + " " + "x".repeat(200));`,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    expect(reply.content.status).toBe('ok');
    const cell = String(reply.parent_header.msg_id);
    const iopub = await k.iopubFor(cell, 120_000);
    // The reading client got them all, as they came.
    expect(iopub.filter((m) => m.header.msg_type === 'display_data')).toHaveLength(MESSAGES);
    // Give the kernel time to push whatever it still holds toward the paused subscriber.
    await new Promise((r) => setTimeout(r, 2000));
    const shown: string[] = [];
    for (;;) {
      const frames = await slow.receive().catch((err: unknown) => {
        throw new Error(`Expected the cell's idle status after its displays, got ${shown.length} displays and then ${String(err)}`);
      });
      const m = decode(frames);
      if (m.parent_header.msg_id !== cell) continue;
      if (m.header.msg_type === 'display_data') shown.push(String((m.content.data as Record<string, unknown>)['text/markdown']));
      if (m.header.msg_type === 'status' && m.content.execution_state === 'idle') break;
    }
    expect(shown).toHaveLength(MESSAGES);
    expect(shown.map((s) => Number(s.split(' ')[1]))).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
  });
});
