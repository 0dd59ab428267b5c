/**
 * The event catalogue: every event type is declared once, with the class-validator class
 * that is its schema, its current version and the upcasters from older versions.
 * Events are validated when appended and when read; stored events are never rewritten,
 * older versions are upcast at read time.
 *
 * Validation is class-validator's verdict, reached quickly: a check compiled from each
 * schema's class-validator rules accepts valid data; whatever it does not accept goes to
 * class-validator itself, which words the problems. An event found valid in this process
 * (appended here, or decoded by a second consumer) is remembered with its exact content, so
 * the other consumers decoding it only compare content.
 */
import type { EventMetadata, RecordedEvent } from '../ports/event-store.js';
import { classValidatorProblems } from './class-validator-problems.js';
import { compileSchemaCheck, type SchemaCheck } from './compiled-schema-check.js';
import { ValidatedContentMemo } from './validated-content-memo.js';

type Data = Record<string, unknown>;
export type Upcaster = (data: Data) => Data;

export interface EventDefinition<TType extends string = string, TData extends object = object> {
  readonly type: TType;
  readonly version: number;
  readonly schema: new () => TData;
  /** `upcasters[n]` turns data of version n into version n + 1 */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

export function defineEvent<TType extends string, TData extends object>(
  type: TType,
  schema: new () => TData,
  options: { version?: number; upcasters?: Record<number, Upcaster> } = {},
): EventDefinition<TType, TData> {
  return { type, schema, version: options.version ?? 1, upcasters: options.upcasters ?? {} };
}

/** A domain event: its type and (current-version) data. */
export interface EventOf<TType extends string, TData> {
  readonly type: TType;
  readonly data: TData;
}

/** A stored event after decoding: current-version data plus where it is stored. */
export type Decoded<E extends EventOf<string, unknown>> = E & {
  readonly metadata: EventMetadata;
  readonly streamId: string;
  readonly revision: bigint;
  readonly position: RecordedEvent['position'];
};

export class UnknownEventTypeError extends Error {
  override readonly name = 'UnknownEventTypeError';
  constructor(
    readonly streamId: string,
    readonly revision: bigint,
    readonly type: string,
  ) {
    super(`stream ${streamId} revision ${revision}: unknown event type ${JSON.stringify(type)}`);
  }
}

export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
  constructor(
    readonly streamId: string,
    readonly revision: bigint,
    readonly type: string,
    readonly problems: string[],
  ) {
    super(`stream ${streamId} revision ${revision}: malformed ${type}: ${problems.join('; ')}`);
  }
}

/** How often data was validated, and how often a decode reused an earlier verdict. */
export interface ValidationStats {
  readonly validated: number;
  readonly reused: number;
}

/** Events remembered as valid: enough for every consumer in the process to catch up with
 *  a burst of appends, a few MB at most. */
const DEFAULT_MEMO_CAPACITY = 4096;

export class EventCatalogue {
  private readonly definitions = new Map<string, EventDefinition>();
  /** compiled on first use of each type */
  private readonly checks = new Map<string, SchemaCheck>();
  private readonly memo: ValidatedContentMemo;
  private validated = 0;
  private reused = 0;

  constructor(options: { memoCapacity?: number } = {}) {
    this.memo = new ValidatedContentMemo(options.memoCapacity ?? DEFAULT_MEMO_CAPACITY);
  }

  register(...definitions: EventDefinition[]): this {
    for (const d of definitions) {
      if (this.definitions.has(d.type)) throw new Error(`event type ${d.type} declared twice`);
      for (let v = 1; v < d.version; v++) {
        if (!d.upcasters[v]) throw new Error(`event type ${d.type}: no upcaster from version ${v}`);
      }
      this.definitions.set(d.type, d);
    }
    return this;
  }

  has(type: string): boolean {
    return this.definitions.has(type);
  }

  types(): string[] {
    return [...this.definitions.keys()];
  }

  currentVersion(type: string): number {
    const d = this.definitions.get(type);
    if (!d) throw new Error(`unknown event type ${type}`);
    return d.version;
  }

  /** Problems with `data` as the current version of `type`; empty when valid. */
  problems(type: string, data: unknown): string[] {
    const d = this.definitions.get(type);
    if (!d) return [`unknown event type ${type}`];
    if (typeof data !== 'object' || data === null) return ['data must be an object'];
    this.validated++;
    if (this.checkOf(d)(data)) return [];
    return classValidatorProblems(d.schema, data);
  }

  /**
   * Problems with an event about to be appended under `eventId`; when there are none, its
   * content is remembered so that decoding it in this process need not validate it again.
   */
  problemsBeforeAppend(type: string, data: unknown, eventId: string): string[] {
    const problems = this.problems(type, data);
    if (problems.length === 0) this.memo.remember(eventId, type, data);
    return problems;
  }

  validationStats(): ValidationStats {
    return { validated: this.validated, reused: this.reused };
  }

  private checkOf(d: EventDefinition): SchemaCheck {
    let check = this.checks.get(d.type);
    if (!check) {
      const compiled = compileSchemaCheck(d.schema);
      // a schema the compiler cannot model is left to class-validator alone
      check = 'check' in compiled ? compiled.check : () => false;
      this.checks.set(d.type, check);
    }
    return check;
  }

  /** Upcasts and validates a stored event; throws naming stream and revision. */
  decode<E extends EventOf<string, unknown>>(event: RecordedEvent): Decoded<E> {
    const d = this.definitions.get(event.type);
    if (!d) throw new UnknownEventTypeError(event.streamId, event.revision, event.type);
    let version = event.metadata.schemaVersion;
    if (!Number.isInteger(version) || version < 1 || version > d.version) {
      throw new MalformedEventError(event.streamId, event.revision, event.type, [
        `schema version ${String(version)} is not between 1 and ${d.version}`,
      ]);
    }
    let data = event.data;
    while (version < d.version) {
      data = d.upcasters[version]!(data);
      version++;
    }
    // the verdict is about the upcast data, so it is that content the memo pins
    const eventId = event.metadata.eventId;
    if (typeof eventId === 'string' && this.memo.holds(eventId, event.type, data)) {
      this.reused++;
    } else {
      const problems = this.problems(event.type, data);
      if (problems.length > 0) {
        throw new MalformedEventError(event.streamId, event.revision, event.type, problems);
      }
      if (typeof eventId === 'string') this.memo.decodedValid(eventId, event.type, data);
    }
    // data of the current version: the recorded event is already its decoded form (no copy)
    return (data === event.data ? event : { ...event, data }) as unknown as Decoded<E>;
  }
}
