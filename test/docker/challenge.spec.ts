/**
 * The COVALIC-style challenge example (`examples/challenge/`) against a real Docker engine: the
 * ground truth is served over http from loopback and comes through the fetch cache, so only the
 * first submission downloads it; the leaderboard ranks the submissions by Dice.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner } from 'taskcell';
import type { Runner } from 'taskcell';
import { buildScorerImage, pgm, runChallenge } from '../../examples/challenge/challenge';
import { endDockerSuite, listenOnLoopback, startEngine } from './engine';
import type { ITestEngine } from './engine';

const TRUTH = pgm(['00000000', '00111100', '00111100', '00111100', '00111100', '00000000']);

let engine: ITestEngine;
let server: Server;
let url = '';
let truthRequests = 0;
let runner: Runner;
const previousHost = process.env.DOCKER_HOST;

beforeAll(async () => {
  engine = await startEngine();
  // The docker mode `taskcell` registers by default reaches the engine through DOCKER_HOST.
  process.env.DOCKER_HOST = engine.host;
  await buildScorerImage(engine.docker);
  server = createServer((_req, res) => {
    truthRequests++;
    res.writeHead(200, { 'content-type': 'image/x-portable-graymap' }).end(TRUTH);
  });
  url = `${await listenOnLoopback(server)}/truth.pgm`;
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-challenge-')) });
}, 180_000);

afterAll(async () => {
  if (previousHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = previousHost;
  await endDockerSuite(engine, server);
}, 60_000);

test('scores every submission, serves the ground truth from the cache after the first, and ranks them', async () => {
  const submissions = [
    // Half the foreground: Dice 2*8/(8+16) = 0.667, Jaccard 8/16 = 0.5.
    { name: 'half', mask: pgm(['00000000', '00111100', '00111100', '00000000', '00000000', '00000000']) },
    // Exactly the truth.
    { name: 'perfect', mask: TRUTH },
    // The truth shifted right by one column: Dice 2*12/32 = 0.75, Jaccard 12/20 = 0.6.
    { name: 'shifted', mask: pgm(['00000000', '00011110', '00011110', '00011110', '00011110', '00000000']) },
    // Nothing found.
    { name: 'empty', mask: pgm(['00000000', '00000000', '00000000', '00000000', '00000000', '00000000']) },
  ];
  // The runner `taskcell` makes has the docker mode without any setup.
  expect(runner.modes.names()).toContain('docker');
  const { scores, leaderboard } = await runChallenge({ runner, truth: { url, type: 'string', format: 'text' }, submissions });
  expect(scores.map((s) => s.truthBytesDownloaded)).toEqual([Buffer.byteLength(TRUTH), 0, 0, 0]);
  expect(truthRequests).toBe(1);
  expect(runner.fetchCache.stats.hits).toBe(3);
  expect(scores.find((s) => s.submission === 'perfect')).toMatchObject({ dice: 1, jaccard: 1 });
  expect(scores.find((s) => s.submission === 'half')!.dice).toBeCloseTo(2 / 3, 5);
  expect(scores.find((s) => s.submission === 'shifted')).toMatchObject({ dice: 0.75, jaccard: 0.6 });
  expect(leaderboard.fields).toEqual(['rank', 'submission', 'dice', 'jaccard']);
  expect(leaderboard.rows.map((r) => [r.rank, r.submission])).toEqual([
    [1, 'perfect'],
    [2, 'shifted'],
    [3, 'half'],
    [4, 'empty'],
  ]);
}, 120_000);
