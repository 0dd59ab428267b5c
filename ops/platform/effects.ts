/** Adapters of the effect reactors (issue #7), chosen from the configuration. */
import path from 'node:path';
import type { Config, Contact, Mailer, ObjectStore } from '@booking/shared-kernel';
import { LocalObjectStore, OutboxMailer, S3ObjectStore, SmtpMailer } from '@booking/shared-kernel/adapters';
import { DEMO_USERS } from './demo-users.js';

/** S3 when S3_BUCKET is set (S3_ENDPOINT for a local server), else `<DATA_DIR>/objects/`. */
export function openObjectStore(config: Config): ObjectStore {
  const s3 = config.effects.s3;
  if (!s3) return new LocalObjectStore(path.join(config.dataDir, 'objects'));
  return new S3ObjectStore({
    bucket: s3.bucket,
    region: s3.region,
    prefix: s3.prefix,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3.accessKeyId && s3.secretAccessKey
      ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
      : {}),
  });
}

/** SMTP when SMTP_URL is set, else the outbox folder under DATA_DIR. */
export function openMailer(config: Config): Mailer {
  return config.effects.smtpUrl
    ? new SmtpMailer(config.effects.smtpUrl, config.identity.mailFrom)
    : new OutboxMailer(path.join(config.dataDir, 'outbox'), config.identity.mailFrom);
}

/** Contacts the users read model does not know yet: the demo users (never in production). */
export function fallbackContacts(config: Config): Contact[] {
  return config.env === 'production' ? [] : DEMO_USERS.map((u) => ({ id: u.id, name: u.name, email: u.email }));
}
