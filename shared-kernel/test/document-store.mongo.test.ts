import { describe } from 'vitest';
import { MongoDocumentStore } from '../src/adapters/document-store/mongo-document-store.js';
import { documentStoreContract } from './document-store.contract.js';

const url = process.env.MONGODB_URL;

// Needs a real MongoDB-compatible server (FerretDB here). The integration tier
// (`npm run test:integration`) starts one and sets MONGODB_URL; `npm test` skips this.
describe.skipIf(!url)('MongoDocumentStore', () => {
  const dbName = process.env.MONGODB_DB ?? 'docstore_contract';
  documentStoreContract('mongodb', () => MongoDocumentStore.connect(url!, dbName));
});
