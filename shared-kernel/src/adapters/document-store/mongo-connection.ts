/**
 * The MongoClient of the document store: logs the driver's server-monitoring (SDAM) and
 * pool events, and replaces the client when its server monitor has hung.
 *
 * Why the replacement: the mongodb driver (6.22 here; 7.9 has the same code) can hang its
 * monitor for good. When the server closes the monitor's connection and a check is
 * requested in the same event-loop turn (an operation that just failed on a pool
 * connection asks for one) after Node destroyed the socket but before its 'close' event,
 * the monitor writes `hello` to the destroyed socket: `write()` returns false without an
 * error, and the driver waits for a 'drain' that never comes. The monitor never checks
 * again, so a server marked Unknown stays Unknown and every operation fails server
 * selection with the same old error. Seen in CI: FerretDB restarted, and for 6 minutes
 * everything failed with "connection 5 to 127.0.0.1:27017 closed". Only a new client
 * gets a new monitor; `HeartbeatWatch` tells when (no guessing from operation failures).
 */
import type {
  ConnectionCheckOutFailedEvent,
  ConnectionPoolClearedEvent,
  ConnectionPoolReadyEvent,
  Db,
  MongoClient,
  MongoClientOptions,
  ServerDescriptionChangedEvent,
  ServerHeartbeatFailedEvent,
  ServerHeartbeatStartedEvent,
  ServerHeartbeatSucceededEvent,
  TopologyDescriptionChangedEvent,
} from 'mongodb';
import type { Logger } from '../../logging.js';
import { lazyModule } from '../lazy-module.js';
import { HeartbeatWatch } from './heartbeat-watch.js';

const mongodb = lazyModule<typeof import('mongodb')>('mongodb');

/** the driver's 30 s is long for a read-model server; a URL that names it wins */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface MongoConnectionOptions {
  logger?: Logger;
  /** how often the monitor watch looks (default 1 s) */
  watchEveryMs?: number;
  /** makes each client (tests observe the clients this way) */
  createClient?: (url: string, options: MongoClientOptions) => MongoClient;
}

export class MongoConnection {
  private client: MongoClient;
  private database: Db;
  private watch: HeartbeatWatch;
  private readonly timer: NodeJS.Timeout;
  private replacements = 0;
  private closed = false;
  /** the server is known to be unavailable (logs the first failure of an outage at warn) */
  private down = false;

  private constructor(
    private readonly url: string,
    private readonly dbName: string,
    private readonly options: MongoConnectionOptions,
  ) {
    this.client = this.newClient();
    this.database = this.client.db(dbName);
    this.watch = this.newWatch(this.client);
    this.timer = setInterval(() => this.checkMonitor(), options.watchEveryMs ?? 1_000);
    this.timer.unref();
  }

  static async open(url: string, dbName: string, options: MongoConnectionOptions = {}): Promise<MongoConnection> {
    const connection = new MongoConnection(url, dbName, options);
    try {
      await connection.client.connect();
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
    return connection;
  }

  /** the database on the current client (changes when the client is replaced) */
  db(): Db {
    return this.database;
  }

  /** how many times the client was replaced (each is logged with its reason) */
  get generation(): number {
    return this.replacements;
  }

  /** the current client (tests reach the driver through it) */
  currentClient(): MongoClient {
    return this.client;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.client.close();
  }

  private get logger(): Logger | undefined {
    return this.options.logger;
  }

  private newClient(): MongoClient {
    const options: MongoClientOptions = /[?&]connectTimeoutMS=/i.test(this.url)
      ? {}
      : { connectTimeoutMS: DEFAULT_CONNECT_TIMEOUT_MS };
    const client = this.options.createClient?.(this.url, options) ?? new (mongodb().MongoClient)(this.url, options);
    this.listen(client);
    return client;
  }

  private newWatch(client: MongoClient): HeartbeatWatch {
    return new HeartbeatWatch({
      connectTimeoutMs: client.options.connectTimeoutMS,
      heartbeatFrequencyMs: client.options.heartbeatFrequencyMS,
    });
  }

  /** events of a replaced client are ignored (it is closing) */
  private listen(client: MongoClient): void {
    const current = () => client === this.client && !this.closed;
    client.on('serverHeartbeatStarted', (e: ServerHeartbeatStartedEvent) => {
      if (current()) this.watch.started(e.connectionId, e.awaited, Date.now());
    });
    client.on('serverHeartbeatSucceeded', (e: ServerHeartbeatSucceededEvent) => {
      if (!current()) return;
      this.watch.ended(e.connectionId);
      this.logger?.debug(
        { address: e.connectionId, durationMs: e.duration, awaited: e.awaited },
        'mongodb heartbeat ok',
      );
    });
    client.on('serverHeartbeatFailed', (e: ServerHeartbeatFailedEvent) => {
      if (!current()) return;
      this.watch.ended(e.connectionId);
      // repeated every heartbeat while the server is away: the first of an outage at warn
      this.logger?.[this.down ? 'debug' : 'warn'](
        { address: e.connectionId, durationMs: e.duration, awaited: e.awaited, err: e.failure },
        'mongodb heartbeat failed',
      );
      this.down = true;
    });
    client.on('serverDescriptionChanged', (e: ServerDescriptionChangedEvent) => {
      if (!current()) return;
      const fields = {
        address: e.address,
        // (not from/to: `to` is a redacted key of the log, for e-mail recipients)
        previousType: e.previousDescription.type,
        type: e.newDescription.type,
        ...(e.newDescription.error ? { err: e.newDescription.error } : {}),
      };
      if (e.newDescription.type === 'Unknown' && e.previousDescription.type !== 'Unknown') {
        this.logger?.[this.down ? 'debug' : 'warn'](fields, 'mongodb server unavailable');
        this.down = true;
      } else if (e.newDescription.type !== 'Unknown' && e.previousDescription.type === 'Unknown') {
        if (this.down) this.logger?.info(fields, 'mongodb server available again');
        else this.logger?.debug(fields, 'mongodb server description changed');
        this.down = false;
      } else {
        this.logger?.debug(fields, 'mongodb server description changed');
      }
    });
    client.on('topologyDescriptionChanged', (e: TopologyDescriptionChangedEvent) => {
      if (current() && e.previousDescription.type !== e.newDescription.type) {
        this.logger?.debug(
          { previousType: e.previousDescription.type, type: e.newDescription.type },
          'mongodb topology changed',
        );
      }
    });
    client.on('connectionPoolCleared', (e: ConnectionPoolClearedEvent) => {
      if (current()) {
        this.logger?.warn(
          { address: e.address, interruptInUseConnections: e.interruptInUseConnections === true },
          'mongodb connection pool cleared',
        );
      }
    });
    client.on('connectionPoolReady', (e: ConnectionPoolReadyEvent) => {
      if (current()) this.logger?.debug({ address: e.address }, 'mongodb connection pool ready');
    });
    client.on('connectionCheckOutFailed', (e: ConnectionCheckOutFailedEvent) => {
      if (current()) {
        this.logger?.debug(
          { address: e.address, reason: e.reason, durationMs: e.durationMS },
          'mongodb connection check-out failed',
        );
      }
    });
  }

  /** replaces the client when its monitor has hung (see the header) */
  private checkMonitor(): void {
    if (this.closed) return;
    const hung = this.watch.hung(Date.now());
    if (!hung) return;
    const old = this.client;
    this.replacements++;
    this.logger?.warn(
      { ...hung, generation: this.replacements },
      'mongodb server monitor hung (its check never ended: the driver waits for a drain event on a closed socket); replacing the MongoDB client',
    );
    this.client = this.newClient();
    this.database = this.client.db(this.dbName);
    this.watch = this.newWatch(this.client);
    // operations connect the new client themselves if the server is still away
    this.client
      .connect()
      .catch((err: unknown) => this.logger?.warn({ err }, 'mongodb: the replacement client could not connect yet'));
    // operations still on the old client fail (topology closed); their callers retry
    old.close().catch((err: unknown) => this.logger?.warn({ err }, 'mongodb: closing the replaced client failed'));
  }
}
