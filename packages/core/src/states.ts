import { TransitionError } from './errors';

/**
 * Girder Worker's job states. The numeric codes are Girder Worker's own, so a status reported to a
 * Girder-compatible endpoint reads the same.
 */
export const JobState = {
  INACTIVE: 'INACTIVE',
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCESS: 'SUCCESS',
  ERROR: 'ERROR',
  CANCELED: 'CANCELED',
  FETCHING_INPUT: 'FETCHING_INPUT',
  CONVERTING_INPUT: 'CONVERTING_INPUT',
  CONVERTING_OUTPUT: 'CONVERTING_OUTPUT',
  PUSHING_OUTPUT: 'PUSHING_OUTPUT',
  CANCELING: 'CANCELING',
} as const;

/** One of Girder Worker's job states. */
export type JobState = (typeof JobState)[keyof typeof JobState];

/** Girder Worker's numeric status codes. */
export const JOB_STATE_CODES: Readonly<Record<JobState, number>> = {
  INACTIVE: 0,
  QUEUED: 1,
  RUNNING: 2,
  SUCCESS: 3,
  ERROR: 4,
  CANCELED: 5,
  FETCHING_INPUT: 820,
  CONVERTING_INPUT: 821,
  CONVERTING_OUTPUT: 822,
  PUSHING_OUTPUT: 823,
  CANCELING: 824,
};

const ACTIVE: JobState[] = ['RUNNING', 'FETCHING_INPUT', 'CONVERTING_INPUT', 'CONVERTING_OUTPUT', 'PUSHING_OUTPUT'];

/**
 * The transition table. A job is queued, runs through its phases (each phase may be skipped when
 * there is nothing to fetch or convert), and ends in exactly one of SUCCESS, ERROR or CANCELED.
 * A cancel always ends CANCELED: CANCELING has no way out but that, so no job stays stuck in it.
 * A failed attempt that its retry policy tries again goes back to QUEUED from whatever phase it was in.
 */
export const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  INACTIVE: ['QUEUED', 'RUNNING', 'CANCELED', 'ERROR'],
  QUEUED: ['RUNNING', 'CANCELING', 'CANCELED', 'ERROR'],
  RUNNING: ['FETCHING_INPUT', 'CONVERTING_INPUT', 'CONVERTING_OUTPUT', 'PUSHING_OUTPUT', 'SUCCESS', 'ERROR', 'CANCELING', 'QUEUED'],
  FETCHING_INPUT: ['CONVERTING_INPUT', 'RUNNING', 'ERROR', 'CANCELING', 'QUEUED'],
  CONVERTING_INPUT: ['RUNNING', 'ERROR', 'CANCELING', 'QUEUED'],
  CONVERTING_OUTPUT: ['PUSHING_OUTPUT', 'ERROR', 'CANCELING', 'QUEUED'],
  PUSHING_OUTPUT: ['SUCCESS', 'ERROR', 'CANCELING', 'QUEUED'],
  CANCELING: ['CANCELED'],
  SUCCESS: [],
  ERROR: [],
  CANCELED: [],
};

const ALLOWED = new Map<JobState, ReadonlySet<JobState>>((Object.keys(TRANSITIONS) as JobState[]).map((s) => [s, new Set(TRANSITIONS[s])]));

/** True when `to` may follow `from`. */
export function canTransition(from: JobState, to: JobState): boolean {
  return ALLOWED.get(from)?.has(to) ?? false;
}

/** Throw a TransitionError unless `to` may follow `from`. */
export function assertTransition(from: JobState, to: JobState, job?: string): void {
  if (!canTransition(from, to)) {
    throw new TransitionError(
      `Job ${job ?? ''} cannot go from ${from} to ${to}; allowed from ${from}: ${TRANSITIONS[from].join(', ') || 'none (final state)'}`.replace(
        'Job  ',
        'Job ',
      ),
      { job, from, to },
    );
  }
}

/** True for SUCCESS, ERROR and CANCELED. */
export function isFinal(state: JobState): boolean {
  return state === 'SUCCESS' || state === 'ERROR' || state === 'CANCELED';
}

/** True while the job is doing work (running or in one of its io/conversion phases). */
export function isActive(state: JobState): boolean {
  return ACTIVE.includes(state);
}
