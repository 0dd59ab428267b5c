/**
 * The object store port: immutable blobs under keys (receipts' PDFs). Adapters: a local
 * folder (embedded default, `<DATA_DIR>/objects/`) and S3. Keys are deterministic for the
 * effect that writes them, so writing the same key twice is harmless (same bytes).
 */
export interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string;
}

export interface ObjectStore {
  put(key: string, body: Buffer, options: { contentType: string; metadata?: Record<string, string> }): Promise<void>;
  /** null when there is no such object */
  get(key: string): Promise<StoredObject | null>;
  exists(key: string): Promise<boolean>;
}

/** Keys are `a-z A-Z 0-9 . _ - /` segments; no `..`, no leading slash. */
export function assertObjectKey(key: string): void {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').some((s) => s === '.' || s === '..')) {
    throw new Error(`invalid object key ${JSON.stringify(key)}`);
  }
}
