/**
 * `npm start`: every role in one process on the embedded defaults, or the roles named in
 * ROLES with the adapters the environment points at.
 */
import 'reflect-metadata';
import {
  ConfigError,
  createLogger,
  loadConfig,
  START,
  comparePositions,
  startTracing,
  type Config,
} from '@booking/shared-kernel';
import { createPlatform } from './platform.js';
import { seedDemoData } from './demo-data.js';
import { ensureAdmin, seedDemoUsers } from './identity-bootstrap.js';
import { createCommandRuntime } from '@booking/shared-kernel';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger({ level: config.logLevel, role: config.roles.join('+') });
// spans are exported only with OTEL_EXPORTER_OTLP_ENDPOINT (off in the embedded start)
const tracing = await startTracing(config.observability, `booking-${config.roles.join('-')}`);
if (tracing) logger.info({ endpoint: config.observability.otlpEndpoint }, 'exporting traces over OTLP');
const platform = await createPlatform(config, { logger });
const wasEmpty = comparePositions(await platform.eventStore.headPosition(), START) === 0;
const { port } = await platform.listen();
const baseUrl = `http://127.0.0.1:${port}`;
logger.info({ port, roles: config.roles, dataDir: config.dataDir }, `platform listening on http://localhost:${port}`);

if (config.identity.adminEmail && config.identity.adminPassword && config.roles.includes('command')) {
  const admin = await ensureAdmin(
    createCommandRuntime(platform.eventStore, { now: () => new Date() }),
    config.identity,
    config.identity.adminEmail,
    config.identity.adminPassword,
  );
  logger.info({ userId: admin.userId, created: admin.created }, 'first admin from ADMIN_EMAIL');
}

if (config.demoData && wasEmpty && config.roles.includes('command')) {
  const demoUsers = await seedDemoUsers(
    baseUrl,
    {
      secret: config.jwtSecret,
      issuer: config.jwtIssuer,
      algorithm: config.identity.jwtAlgorithm,
      privateKey: config.identity.jwtPrivateKey,
      publicKey: config.identity.jwtPublicKey,
    },
    config.identity.demoPassword,
  );
  logger.info({ demoUsers }, `demo accounts created (password: ${config.identity.demoPassword})`);
  const seeded = await seedDemoData(baseUrl, {
    secret: config.jwtSecret,
    issuer: config.jwtIssuer,
    algorithm: config.identity.jwtAlgorithm,
    privateKey: config.identity.jwtPrivateKey,
    publicKey: config.identity.jwtPublicKey,
  });
  logger.info(seeded, 'demo data created through the command API');
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    platform
      .stop()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'stop failed');
          process.exit(1);
        },
      );
  });
}
