/**
 * A COVALIC-style challenge on taskcell's docker mode.
 *
 * Participants submit segmentation masks (plain PGM). Each submission is scored as it arrives by
 * `score-submission.json`, a workflow whose `score` step runs a locally built scoring container
 * (busybox awk, `scorer/`) on the submission and the ground truth, both mounted in
 * `/mnt/girder_worker/data`, and reads Dice and Jaccard from its stdout. The ground truth comes over
 * http through the fetch cache: the first submission downloads it, the next ones are served from
 * the cache. `leaderboard.json` ranks the scores into a table.
 *
 * The scorer image is built `FROM scratch` with the host's busybox-static, so no registry is needed.
 * Run it from a notebook (or `npx ts-node`): `await buildScorerImage(docker)`, then
 * `await runChallenge({ runner: getRunner(), truth: { url }, submissions })`.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import * as tar from 'tar';
import { loadTask, parseTask } from 'taskcell';
import type { IBinding, IRows, Runner } from 'taskcell';

/** The image `score-submission.json` runs. */
export const SCORER_IMAGE = 'taskcell-examples/challenge-scorer:latest';

/** One participant's mask. */
export interface ISubmission {
  name: string;
  /** A plain PGM (P2) mask. */
  mask: string;
}

/** One scored submission, with what the ground truth cost to fetch for it. */
export interface IScore {
  submission: string;
  dice: number;
  jaccard: number;
  /** Bytes the fetch cache downloaded while this submission was scored. */
  truthBytesDownloaded: number;
}

/** Build the scoring image from `scorer/` and busybox-static (`/bin/busybox`). */
export async function buildScorerImage(docker: Docker, busybox = '/bin/busybox'): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'challenge-scorer-'));
  try {
    for (const f of ['Dockerfile', 'score.sh']) copyFileSync(join(__dirname, 'scorer', f), join(ctx, f));
    copyFileSync(busybox, join(ctx, 'busybox'));
    const stream = await docker.buildImage(tar.c({ cwd: ctx }, ['.']) as unknown as Readable, {
      t: SCORER_IMAGE,
      networkmode: 'none',
      rm: true,
    });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
        const failed = out?.find((o) => o.error);
        if (err || failed) reject(err ?? new Error(`building ${SCORER_IMAGE} failed: ${failed!.error}`));
        else resolve();
      }),
    );
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** A mask as plain PGM from rows of `0`/`1` characters. */
export function pgm(rows: string[]): string {
  const h = rows.length;
  const w = rows[0]?.length ?? 0;
  return `P2\n${w} ${h}\n1\n${rows.map((r) => r.split('').join(' ')).join('\n')}\n`;
}

/**
 * Score every submission (one workflow run each, in arrival order) and rank them. `truth` is the
 * ground truth's binding, typically `{ url }`.
 */
export async function runChallenge(options: {
  runner: Runner;
  truth: IBinding;
  submissions: ISubmission[];
}): Promise<{ scores: IScore[]; leaderboard: IRows }> {
  const { runner, truth } = options;
  const scoring = parseTask(await loadTask(join(__dirname, 'score-submission.json')));
  const ranking = parseTask(await loadTask(join(__dirname, 'leaderboard.json')));
  const scores: IScore[] = [];
  for (const s of options.submissions) {
    const before = runner.fetchCache.stats.bytesDownloaded;
    const r = await runner.execute(scoring, { submission: { format: 'text', data: s.mask }, truth });
    scores.push({
      submission: s.name,
      dice: r.data.dice as number,
      jaccard: r.data.jaccard as number,
      truthBytesDownloaded: runner.fetchCache.stats.bytesDownloaded - before,
    });
  }
  const board = await runner.execute(ranking, { scores: scores.map(({ submission, dice, jaccard }) => ({ submission, dice, jaccard })) });
  return { scores, leaderboard: board.data.leaderboard as IRows };
}
