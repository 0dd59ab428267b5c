import type { DocumentStore, EventStore, Geocoder, GlobalPosition, Logger, ObjectStore } from '@booking/shared-kernel';
import type { Clock } from '@booking/shared-kernel';
import type { ClientConfig } from '../client-config/client-config-routes.js';
import type { LiveDeps } from '../live/live-routes.js';

/** How the read API learns how far the read models have got. */
export interface ReadModelProgress {
  /** true once every read model includes `position`; false after `timeoutMs` */
  waitFor(position: GlobalPosition, timeoutMs: number): Promise<boolean>;
  status(): Promise<unknown>;
}

export interface ReadApiDeps {
  docs: DocumentStore;
  /** the audit history reads the log itself, never a read model */
  eventStore: EventStore;
  clock: Clock;
  logger: Logger;
  progress: ReadModelProgress;
  readYourWritesTimeoutMs: number;
  /** receipts' PDFs (absent: the PDF route answers 503) */
  objects?: ObjectStore;
  /** address lookups for providers (absent or null: the /geo endpoints answer 404) */
  geocoder?: Geocoder | null;
  /** what GET /config tells the SPA (absent: nothing optional is configured) */
  clientConfig?: ClientConfig;
  /** pushes booking changes to GET /live/bookings (absent: that route is not mounted) */
  live?: Omit<LiveDeps, 'logger'>;
}
