/**
 * S3 object store (@aws-sdk/client-s3). Bodies are Buffers and checksums are only sent
 * when an operation requires them: recent SDKs otherwise stream aws-chunked bodies with
 * trailing checksums, which local S3-compatible servers may store framing and all.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { lazyModule } from '../lazy-module.js';

const s3 = lazyModule<typeof import('@aws-sdk/client-s3')>('@aws-sdk/client-s3');
import { assertObjectKey, type ObjectStore, type StoredObject } from '../../ports/object-store.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** prefix for every key, e.g. `booking/` */
  prefix?: string;
}

function notFound(err: unknown): boolean {
  if (err instanceof s3().S3ServiceException)
    return err.$metadata.httpStatusCode === 404 || err.name === 'NoSuchKey' || err.name === 'NotFound';
  return false;
}

export class S3ObjectStore implements ObjectStore {
  readonly client: S3Client;
  constructor(private readonly options: S3ObjectStoreOptions) {
    this.client = new (s3().S3Client)({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
    });
  }

  private key(key: string): string {
    assertObjectKey(key);
    return `${this.options.prefix ?? ''}${key}`;
  }

  async put(
    key: string,
    body: Buffer,
    options: { contentType: string; metadata?: Record<string, string> },
  ): Promise<void> {
    await this.client.send(
      new (s3().PutObjectCommand)({
        Bucket: this.options.bucket,
        Key: this.key(key),
        Body: body,
        ContentType: options.contentType,
        ContentLength: body.length,
        ...(options.metadata ? { Metadata: options.metadata } : {}),
      }),
    );
  }

  async get(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.client.send(
        new (s3().GetObjectCommand)({ Bucket: this.options.bucket, Key: this.key(key) }),
      );
      const bytes = await out.Body!.transformToByteArray();
      return { body: Buffer.from(bytes), contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new (s3().HeadObjectCommand)({ Bucket: this.options.bucket, Key: this.key(key) }));
      return true;
    } catch (err) {
      if (notFound(err)) return false;
      throw err;
    }
  }
}
