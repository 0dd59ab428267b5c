import type { Decoded, DocumentStore, DomainEvent } from '@booking/shared-kernel';

export type AnyDecoded = Decoded<DomainEvent>;

/** Builds one read model from the events it cares about. `apply` must be idempotent: it
 *  writes with `upsertAt(id, update, pos)` so an event applied twice changes nothing. */
export interface Projector {
  readonly name: string;
  readonly eventTypes: ReadonlySet<string>;
  /** the indexes its queries need, created when the runner starts */
  readonly indexes?: readonly { collection: string; fields: Record<string, 1 | -1> }[];
  apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void>;
}
