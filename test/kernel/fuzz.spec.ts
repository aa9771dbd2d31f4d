import { randomBytes, randomInt } from 'node:crypto';
import { KernelClient } from './client';

/** Frame sequences that are not valid messages, from random bytes to near-misses of real ones. */
function malformed(k: KernelClient, i: number): Buffer[] {
  const good = k.frames('execute_request', { code: 'globalThis.fuzzRan = true' }).frames;
  switch (i % 8) {
    case 0:
      return [randomBytes(randomInt(0, 64))];
    case 1:
      return Array.from({ length: randomInt(1, 10) }, () => randomBytes(randomInt(0, 32)));
    case 2:
      return good.slice(0, randomInt(0, good.length));
    case 3: {
      // Keep the signature, corrupt one or more of the signed frames.
      const hit = randomInt(2, good.length);
      return [good[0], good[1], ...good.slice(2).map((f, j) => (j + 2 === hit || Math.random() < 0.5 ? randomBytes(f.length) : f))];
    }
    case 4:
      return [good[0], Buffer.from(''), Buffer.from('{'), Buffer.from('[]'), Buffer.from('null'), Buffer.from('"x"')];
    case 5:
      return [Buffer.from('<IDS|MSG>'), ...Array.from({ length: 5 }, () => Buffer.from(JSON.stringify(randomInt(0, 1e9))))];
    case 6:
      return [...good.slice(0, 2), Buffer.from('{"msg_id": 1}'), good[3], good[4], good[5]];
    default:
      return [randomBytes(8), Buffer.from('<IDS|MSG>'), randomBytes(64), randomBytes(10), randomBytes(3), randomBytes(0), randomBytes(100)];
  }
}

describe('fuzzing', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  it('10,000 malformed frame sequences on shell and control never crash the kernel', async () => {
    for (let i = 0; i < 10000; i++) {
      const sock = i % 4 === 3 ? k.control : k.shell;
      await sock.send(malformed(k, i));
    }
    const { reply, iopub } = await k.execute('globalThis.fuzzRan === true ? "ran" : "clean"');
    expect(reply.content.status).toBe('ok');
    expect(iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data).toMatchObject({ 'text/plain': "'clean'" });
    expect(k.proc?.exitCode).toBeNull();
    const hb = await Promise.race([k.hb.send('ping').then(() => k.hb.receive()), new Promise((r) => setTimeout(() => r(undefined), 5000))]);
    expect(String((hb as Buffer[] | undefined)?.[0])).toBe('ping');
  });
});
