/**
 * A tiny given/when/then harness for pure deciders:
 *
 *   const spec = scenario(offeringDecider);
 *   spec.given([created]).when(publish).then([published]);
 *   spec.given([created, retired]).when(publish).thenThrows('offering-retired');
 *
 * `given` folds the events with the decider's `evolve`; `when` runs `decide` once per
 * assertion. Every event a decider emits (and every given event) must also pass its schema
 * in the real event catalogue, exactly as `toNewEvents` demands before an append.
 */
import { expect } from 'vitest';
import { AppError, eventCatalogue, type Decider, type ErrorKind, type EventOf } from '@booking/shared-kernel';

export interface ThrowExpectation {
  /** the error's `kind` (e.g. `forbidden`, `validation`, `domain-rule`) */
  kind?: ErrorKind;
  /** a substring or pattern the message must contain / match */
  message?: string | RegExp;
}

export interface When<S, E> {
  /** the state the command was decided on */
  readonly state: S;
  /** the events `decide` returns (after checking they are valid against the catalogue) */
  events(): E[];
  then(expected: readonly E[]): void;
  thenNothing(): void;
  thenThrows(code: string, expectation?: ThrowExpectation): AppError;
  /** folds the produced events onto the given state */
  thenState(): S;
}

export interface Given<C, S, E> {
  readonly state: S;
  when(command: C): When<S, E>;
}

export interface Scenario<C, S, E> {
  given(events?: readonly E[]): Given<C, S, E>;
  fold(events: readonly E[]): S;
}

export function assertValidEvents(events: readonly EventOf<string, unknown>[]): void {
  for (const e of events) {
    expect(eventCatalogue.problems(e.type, e.data), `${e.type} must satisfy its schema`).toEqual([]);
  }
}

export function scenario<C, S, E extends EventOf<string, unknown>>(decider: Decider<C, S, E>): Scenario<C, S, E> {
  const fold = (events: readonly E[]): S => events.reduce((s, e) => decider.evolve(s, e), decider.initialState);
  return {
    fold,
    given(history: readonly E[] = []) {
      assertValidEvents(history);
      const state = fold(history);
      return {
        state,
        when(command: C): When<S, E> {
          const events = (): E[] => {
            const produced = decider.decide(command, state);
            assertValidEvents(produced);
            return produced;
          };
          return {
            state,
            events,
            then(expected) {
              expect(events()).toEqual(expected);
            },
            thenNothing() {
              expect(events()).toEqual([]);
            },
            thenThrows(code, expectation = {}) {
              let thrown: unknown;
              try {
                decider.decide(command, state);
              } catch (err) {
                thrown = err;
              }
              expect(thrown, `expected decide to throw ${code}`).toBeInstanceOf(AppError);
              const error = thrown as AppError;
              expect(error.code).toBe(code);
              if (expectation.kind) expect(error.kind).toBe(expectation.kind);
              if (typeof expectation.message === 'string') expect(error.message).toContain(expectation.message);
              else if (expectation.message) expect(error.message).toMatch(expectation.message);
              return error;
            },
            thenState() {
              return events().reduce((s, e) => decider.evolve(s, e), state);
            },
          };
        },
      };
    },
  };
}
