/** Assertions on problem+json answers and on "nothing was appended", shared by the HTTP tests. */
import { expect } from 'vitest';
import { formatPosition, PROBLEM_BASE } from '@booking/shared-kernel';
import type { Harness } from './harness.js';

export interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> & { errors?: { field: string }[]; items?: Record<string, unknown>[] };
  text: string;
}

export function expectProblem(res: ProblemResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.body.code }, res.text).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`${PROBLEM_BASE}${code}`);
}

export function expectFieldError(res: ProblemResponse, field: string): void {
  expectProblem(res, 400, 'validation');
  expect(
    res.body.errors?.map((e) => e.field),
    res.text,
  ).toContain(field);
}

/** Runs `fn` and fails if anything at all was appended to the event store meanwhile. */
export async function expectNothingAppended<T>(h: Harness, fn: () => Promise<T>): Promise<T> {
  const before = formatPosition(await h.platform.eventStore.headPosition());
  const result = await fn();
  expect(formatPosition(await h.platform.eventStore.headPosition()), 'the event store head moved').toBe(before);
  return result;
}
