/**
 * Assembles the roles of the platform. `npm start` runs them all in one process behind
 * one port; ROLES=command,read-api,projector,reactor picks a subset with the same code.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import express, { type Express, type Request } from 'express';
import {
  createCommandRuntime,
  createHttpApp,
  defaultSnapshotCharsPerEvent,
  defaultSnapshotEvery,
  createLogger,
  comparePositions,
  InstrumentedDocumentStore,
  InstrumentedEventStore,
  jwks,
  PlatformMetrics,
  tracedPort,
  SandboxGateway,
  systemClock,
  recheckActor,
  type Clock,
  type Config,
  type DocumentStore,
  type EventStore,
  type Logger,
  type Mailer,
  type ObjectStore,
  type SharedRateLimits,
  type TokenSettings,
} from '@booking/shared-kernel';
import { actorResolver, commandApi, payPalWebhookRouter, stripeWebhookRouter } from '@booking/command';
import {
  GoogleGeocoder,
  KafkaBus,
  openRedis,
  PayPalGateway,
  redisRateLimitStores,
  EmbeddedDocumentStore,
  StripeGateway,
} from '@booking/shared-kernel/adapters';
import type { PaymentGateway } from '@booking/shared-kernel';
import type { MessageBus } from '@booking/shared-kernel';
import { BusReactorRunner, Relay } from '@booking/projections';
import {
  allProjectors,
  allReactors,
  effectReactors,
  HoldExpiryScheduler,
  instrumentReactor,
  PaymentReconciler,
  type PaymentDoc,
  ProjectionOps,
  ProjectionRunner,
  ReactorRunner,
  readModelContacts,
  VersionedDocumentStore,
  type EffectAdapters,
  type Projector,
  type ReminderScheduler,
} from '@booking/projections';
import {
  analystScope,
  LiveBookingFeed,
  projectionAdminRoutes,
  readApi,
  systemRoutes,
  type ReadModelChanges,
  type ReadModelProgress,
} from '@booking/read-api';
import { openDocumentStore, openEventStore, openSnapshotStore, rebuildStaging } from './adapters.js';
import { demoRoutes } from './demo-routes.js';
import { checkpointProgress } from './checkpoint-progress.js';
import { checkpointChanges } from './checkpoint-changes.js';
import { fallbackContacts, openMailer, openObjectStore } from './effects.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { openApiRoutes } from './openapi/serve.js';
import { attachRuntimeGauges } from './runtime-gauges.js';
import { systemStatus } from './system-status.js';
import type { Feature } from './openapi/routes.js';

export interface PlatformOptions {
  /** how long a projection rebuild waits after its switch before dropping the old collections */
  projectionDropGraceMs?: number;
  /** the projectors to run (default: all) */
  projectors?: Projector[];
  clock?: Clock;
  logger?: Logger;
  eventStore?: EventStore;
  documentStore?: DocumentStore;
  /** how often the hold-expiry scheduler looks for due holds */
  holdCheckIntervalMs?: number;
  /** how often payments still STARTED are checked with the gateway (default 60 s) */
  paymentReconcileIntervalMs?: number;
  /** where account mail goes (default: the outbox folder under DATA_DIR) */
  mailer?: Mailer;
  /** receipts' PDFs (default: S3 when configured, else `<DATA_DIR>/objects/`) */
  objects?: ObjectStore;
  /** overrides for the effect reactors (tests: SMS sender, retry sleep) */
  effects?: Partial<Pick<EffectAdapters, 'sms' | 'sleep' | 'contacts'>>;
  reminderCheckIntervalMs?: number;
  /** the built SPA; served at / when present */
  uiDir?: string;
  /** the message bus when KAFKA_BROKERS is set (default: a KafkaBus on those brokers) */
  bus?: MessageBus;
  /** comment heartbeat of GET /api/live/bookings, and how often its streams recheck their caller (default 15 s) */
  liveHeartbeatMs?: number;
}

export interface Platform {
  app: Express;
  eventStore: EventStore;
  documentStore: DocumentStore;
  projections: ProjectionRunner | null;
  projectionOps: ProjectionOps | null;
  /** follows the event store, or the bus (consumer groups) when KAFKA_BROKERS is set */
  reactors: ReactorRunner | BusReactorRunner | null;
  /** the relay role: event store -> Kafka topics */
  relay: Relay | null;
  /** booking changes pushed to GET /api/live/bookings (the read-api role) */
  liveBookings: LiveBookingFeed | null;
  bus: MessageBus | null;
  holdExpiry: HoldExpiryScheduler | null;
  paymentReconciler: PaymentReconciler | null;
  gateway: PaymentGateway;
  /** PayPal, offered next to the card gateway when PAYPAL_CLIENT_ID/SECRET are set */
  paypal: PayPalGateway | null;
  reminders: ReminderScheduler | null;
  objects: ObjectStore;
  mailer: Mailer;
  logger: Logger;
  /** this platform's Prometheus registry, served at GET /metrics */
  metrics: PlatformMetrics;
  listen(port?: number, host?: string): Promise<{ server: Server; port: number }>;
  stop(): Promise<void>;
}

export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, role: config.roles.join('+') });
  const clock = options.clock ?? systemClock;
  const metrics = new PlatformMetrics();
  // call latencies, appended events and the append spans, whichever adapters are chosen
  const baseEventStore = options.eventStore ?? openEventStore(config);
  const eventStore = new InstrumentedEventStore(baseEventStore, metrics);
  // read-model names resolve through `projection_versions` (projection rebuilds switch them)
  const documentStore = await VersionedDocumentStore.open(
    new InstrumentedDocumentStore(options.documentStore ?? (await openDocumentStore(config, logger)), metrics),
    config.roles.includes('projector') ? undefined : 1000,
  );
  const snapshotStore = openSnapshotStore(baseEventStore);
  const runtime = createCommandRuntime(
    eventStore,
    clock,
    undefined,
    metrics.commandObserver,
    snapshotStore
      ? {
          store: snapshotStore,
          every: defaultSnapshotEvery,
          charsPerEvent: defaultSnapshotCharsPerEvent,
          logger: logger.child({ component: 'snapshots' }),
        }
      : undefined,
  );
  // Stripe when STRIPE_SECRET_KEY is set (STRIPE_API_URL: stripe-mock), else the sandbox.
  const payments = config.payments;
  const sandbox = payments.stripeSecretKey ? null : new SandboxGateway();
  const gateway: PaymentGateway =
    sandbox ??
    tracedPort(new StripeGateway({ secretKey: payments.stripeSecretKey!, apiUrl: payments.stripeApiUrl }), 'stripe', [
      'createIntent',
      'retrieve',
      'refund',
    ]);
  // PayPal as a second payment method (PAYPAL_API_URL: PayPal's sandbox unless set)
  const paypal = payments.paypal
    ? new PayPalGateway({
        clientId: payments.paypal.clientId,
        clientSecret: payments.paypal.clientSecret,
        apiUrl: payments.paypal.apiUrl,
      })
    : null;
  // address lookups (issue #9) only with GOOGLE_MAPS_API_KEY; else providers enter coordinates by hand
  const geocoder = config.geo.googleMapsApiKey
    ? new GoogleGeocoder({
        apiKey: config.geo.googleMapsApiKey,
        apiUrl: config.geo.googleMapsApiUrl,
        timeoutMs: config.geo.geocoderTimeoutMs,
      })
    : null;
  const has = (role: Config['roles'][number]) => config.roles.includes(role);

  const projections = has('projector')
    ? new ProjectionRunner(eventStore, documentStore, options.projectors ?? allProjectors, logger, {
        // the embedded read models live in this process alone: counter increments may merge
        exclusiveWriter: options.documentStore
          ? options.documentStore instanceof EmbeddedDocumentStore
          : !config.mongodbUrl,
      })
    : null;
  const projectionOps = projections
    ? new ProjectionOps(eventStore, documentStore, options.projectors ?? allProjectors, projections, logger, {
        dropGraceMs: options.projectionDropGraceMs ?? 5000,
        staging: rebuildStaging(config),
      })
    : null;
  const reactorDeps = { runtime, docs: documentStore, clock, logger, gateway, paypal };
  // outbound calls show in traces as CLIENT spans (mail.send, objects.put, ...)
  const mailer = tracedPort(options.mailer ?? openMailer(config), 'mail', ['send']);
  const objects = tracedPort(options.objects ?? openObjectStore(config), 'objects', ['put', 'get', 'exists']);
  const effects = effectReactors(config, {
    objects,
    mailer,
    contacts: readModelContacts(documentStore, fallbackContacts(config)),
    ...options.effects,
  });
  // With KAFKA_BROKERS the relay publishes the log to Kafka and reactors consume it as groups.
  const bus =
    config.kafkaBrokers && (has('reactor') || has('relay'))
      ? (options.bus ??
        new KafkaBus({ brokers: config.kafkaBrokers, logger, clientId: `booking-${config.roles.join('+')}` }))
      : null;
  const reactorList = [...allReactors, ...effects.reactors].map((r) => instrumentReactor(r, metrics));
  const onParked = (reactor: string) => metrics.reactorDeadLetters.cell(reactor).value++;
  const reactors = has('reactor')
    ? bus
      ? new BusReactorRunner(eventStore, bus, reactorList, reactorDeps, logger, {
          groupPrefix: `${config.kafkaTopicPrefix}reactor-`,
          topicPrefix: config.kafkaTopicPrefix,
          onParked,
        })
      : new ReactorRunner(eventStore, reactorList, reactorDeps, logger, { onParked })
    : null;
  const relay =
    has('relay') && bus
      ? new Relay(eventStore, documentStore, bus, logger, { topicPrefix: config.kafkaTopicPrefix })
      : null;
  const reminders = has('reactor') ? effects.reminders(reactorDeps, options.reminderCheckIntervalMs) : null;
  const holdExpiry = has('reactor') ? new HoldExpiryScheduler(reactorDeps, options.holdCheckIntervalMs ?? 1000) : null;
  const paymentReconciler = has('reactor')
    ? new PaymentReconciler(reactorDeps, payments.reconcileAfterMinutes, options.paymentReconcileIntervalMs ?? 60_000)
    : null;
  const progress: ReadModelProgress = projections
    ? { waitFor: (p, t) => projections.waitFor(p, t), status: () => projections.status() }
    : checkpointProgress(
        eventStore,
        documentStore,
        allProjectors.map((p) => p.name),
      );

  // Live pushes follow the bookings projection: this process's runner, or its checkpoint.
  const readModelChanges: ReadModelChanges = projections
    ? {
        subscribe: (projector, listener) =>
          projections.onChanged((change) => {
            if (change.projectors.has(projector)) listener(change.applied, change.documents);
          }),
      }
    : checkpointChanges(documentStore, logger);
  const liveBookings = has('read-api') ? new LiveBookingFeed(documentStore, readModelChanges, logger) : null;

  const id = config.identity;
  const tokens: TokenSettings = {
    secret: config.jwtSecret,
    issuer: config.jwtIssuer,
    algorithm: id.jwtAlgorithm,
    privateKey: id.jwtPrivateKey,
    publicKey: id.jwtPublicKey,
    // every token is checked against the user's current state (suspension, revoked sessions)
    resolveActor: actorResolver(runtime, { production: config.env === 'production' }),
  };
  // REDIS_URL: every instance counts rate limits in one place; else each process on its own
  const redis = config.redisUrl
    ? openRedis({ url: config.redisUrl, logger, connectionName: `booking-${config.roles.join('+')}` })
    : null;
  const rateLimits: SharedRateLimits | undefined = redis
    ? { stores: redisRateLimitStores(redis, config.redisKeyPrefix), logger }
    : undefined;
  const uiDir = options.uiDir ?? path.resolve('ui/dist');
  const demo = config.demoData && config.env !== 'production';
  attachRuntimeGauges(metrics, { eventStore, documentStore, projections, reactors, relay });
  const app = createHttpApp({
    logger,
    tokens,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    security: { corsOrigins: id.corsOrigins, rateLimitPerMinute: id.rateLimitPerMinute, rateLimits },
    ...(id.trustProxy > 0 ? { trustProxy: id.trustProxy } : {}),
    mountBeforeBody(app) {
      // signed over the raw body: mounted before the JSON parser
      if (!has('command')) return;
      const findPaymentByIntent = async (intentId: string) =>
        (await documentStore.collection<PaymentDoc>('payments').find({ intentId }, { limit: 1 }))[0]?._id ?? null;
      app.use(
        stripeWebhookRouter({
          runtime,
          clock,
          logger,
          secret: payments.stripeWebhookSecret,
          toleranceSeconds: payments.stripeWebhookToleranceSeconds,
          maxBodyBytes: config.maxBodyBytes,
          findPaymentByIntent,
        }),
      );
      app.use(
        payPalWebhookRouter({
          runtime,
          clock,
          logger,
          paypal,
          webhookId: payments.paypal?.webhookId ?? null,
          maxBodyBytes: config.maxBodyBytes,
          findPaymentByIntent,
        }),
      );
    },
    mount(app) {
      // the OpenAPI document of the routes this process mounts, and Swagger UI at /docs
      const features = new Set<Feature>(['always']);
      if (has('command')) features.add('command');
      if (has('read-api')) features.add('read-api');
      if (projectionOps) features.add('projector');
      if (demo) features.add('demo');
      app.use(openApiRoutes(() => buildOpenApiDocument({ features })));
      app.get('/health', (_req, res) => {
        res.json({ status: 'ok', roles: config.roles });
      });
      app.get('/ready', async (_req, res) => {
        const checks: Record<string, unknown> = {};
        let ready = true;
        try {
          checks.eventStore = { head: (await eventStore.headPosition()).commit.toString() };
        } catch (err) {
          ready = false;
          checks.eventStore = { error: err instanceof Error ? err.message : String(err) };
        }
        if (projections) {
          const status = await projections.status();
          const caughtUp = BigInt(status.lag) <= BigInt(config.readyMaxLag) && status.lastError === null;
          ready &&= caughtUp;
          checks.projections = { lag: status.lag, maxLag: config.readyMaxLag, lastError: status.lastError };
        }
        if (reactors) checks.reactors = reactors.status();
        if (relay) checks.relay = relay.status();
        if (redis) checks.redis = { status: redis.status };
        res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
      });
      app.get('/.well-known/jwks.json', (_req, res) => {
        res.setHeader('cache-control', 'public, max-age=300');
        res.json(jwks(tokens));
      });
      app.use('/api', analystScope());
      if (projectionOps) app.use('/api', projectionAdminRoutes(projectionOps));
      if (demo) app.use('/api', demoRoutes({ runtime, tokens, identity: id, now: () => clock.now() }));
      // what the SPA needs to take a payment (before the read API's /payments/:id)
      app.get('/api/payments/config', (_req, res) => {
        res.setHeader('cache-control', 'no-store');
        res.json({
          gateway: gateway.name,
          publishableKey: gateway.name === 'stripe' ? payments.stripePublishableKey : null,
          // the SPA offers PayPal's button next to the card form when this is set
          paypal: payments.paypal ? { clientId: payments.paypal.clientId } : null,
          sandbox: gateway.name === 'sandbox',
        });
      });
      if (has('command')) {
        app.use(
          '/api',
          commandApi({
            runtime,
            clock,
            config,
            logger,
            gateway,
            sandbox,
            paypal,
            customerNoticeMinutes: 24 * 60,
            mailer,
            tokens,
            identity: id,
            ...(rateLimits ? { rateLimits } : {}),
          }),
        );
      }
      if (has('read-api')) {
        app.use(
          '/api',
          readApi({
            docs: documentStore,
            eventStore,
            clock,
            logger,
            progress,
            readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
            objects,
            geocoder,
            ...(liveBookings
              ? {
                  live: {
                    feed: liveBookings,
                    recheck: (req: Request) => recheckActor(tokens, req),
                    ...(options.liveHeartbeatMs
                      ? { heartbeatMs: options.liveHeartbeatMs, recheckMs: options.liveHeartbeatMs }
                      : {}),
                  },
                }
              : {}),
            clientConfig: {
              signIn: {
                google: id.googleClientIds[0] ? { clientId: id.googleClientIds[0] } : null,
                apple: id.appleClientIds[0] ? { clientId: id.appleClientIds[0] } : null,
              },
              tiktokPixel: config.effects.tiktok.pixelConfigured
                ? {
                    pixelCode: config.effects.tiktok.pixelCode,
                    purchaseEventName: config.effects.tiktok.purchaseEventName,
                  }
                : null,
              maps: config.geo.googleMapsBrowserKey ? { browserKey: config.geo.googleMapsBrowserKey } : null,
              demoSignIn: demo,
            },
          }),
        );
        app.get('/api/status/reactors', (_req, res) => {
          res.json({
            reactors: reactors?.status() ?? null,
            holdExpiry: holdExpiry?.status() ?? null,
            paymentReconciler: paymentReconciler?.status() ?? null,
            reminders: reminders?.status() ?? null,
          });
        });
        // projection lag and reactor backlog for the admin "system" page (issue #11)
        app.use(
          '/api',
          systemRoutes(
            systemStatus({
              eventStore,
              documentStore,
              projectorNames: (options.projectors ?? allProjectors).map((p) => p.name),
              reactorNames: reactorList.map((r) => r.name),
              reactorsOnBus: config.kafkaBrokers !== null,
              relayConfigured: config.kafkaBrokers !== null,
              projections,
              reactors,
              relay,
            }),
          ),
        );
      }
    },
    mountLast(app) {
      if (!fs.existsSync(path.join(uiDir, 'index.html'))) return;
      app.use(express.static(uiDir, { index: false, maxAge: '1h' }));
      // The SPA owns every other GET path that is not the API.
      app.get(/^\/(?!api\/|docs|health|ready).*/, (_req, res) => res.sendFile(path.join(uiDir, 'index.html')));
    },
  });

  await projections?.start();
  await liveBookings?.start();
  await reactors?.start();
  await relay?.start();
  holdExpiry?.start();
  paymentReconciler?.start();
  reminders?.start();

  let server: Server | null = null;
  return {
    app,
    eventStore,
    documentStore,
    projections,
    projectionOps,
    reactors,
    relay,
    liveBookings,
    bus,
    holdExpiry,
    paymentReconciler,
    gateway,
    paypal,
    reminders,
    objects,
    mailer,
    logger,
    metrics,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        const s = app.listen(port, host, () => {
          server = s;
          const address = s.address();
          resolve({ server: s, port: typeof address === 'object' && address ? address.port : port });
        });
        s.once('error', reject);
      });
    },
    async stop() {
      // open live streams would keep server.close() waiting forever
      liveBookings?.close();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      await holdExpiry?.stop();
      await paymentReconciler?.stop();
      await reminders?.stop();
      await relay?.stop();
      await reactors?.stop();
      await bus?.close();
      await projections?.stop();
      await documentStore.close();
      await eventStore.close();
      await redis?.quit();
    },
  };
}

export { comparePositions };
