/** The embedded object store: one file per key under a folder (atomic rename on write). */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { assertObjectKey, type ObjectStore, type StoredObject } from '../../ports/object-store.js';

export class LocalObjectStore implements ObjectStore {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    assertObjectKey(key);
    return path.join(this.dir, ...key.split('/'));
  }

  async put(
    key: string,
    body: Buffer,
    options: { contentType: string; metadata?: Record<string, string> },
  ): Promise<void> {
    const file = this.file(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    await fs.promises.writeFile(tmp, body, { mode: 0o600 });
    await fs.promises.writeFile(
      `${file}.meta.json`,
      JSON.stringify({ contentType: options.contentType, metadata: options.metadata ?? {} }),
      { mode: 0o600 },
    );
    await fs.promises.rename(tmp, file);
  }

  async get(key: string): Promise<StoredObject | null> {
    const file = this.file(key);
    try {
      const body = await fs.promises.readFile(file);
      let contentType = 'application/octet-stream';
      try {
        contentType = (JSON.parse(await fs.promises.readFile(`${file}.meta.json`, 'utf8')) as { contentType: string })
          .contentType;
      } catch {
        /* no metadata: octet-stream */
      }
      return { body, contentType };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await fs.promises.access(this.file(key));
      return true;
    } catch {
      return false;
    }
  }
}
