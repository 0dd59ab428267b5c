import { v7 as uuidv7, validate as isUuid } from 'uuid';

/** Time-ordered (UUIDv7) ids keep the event id index append-mostly and cheap. */
export function newId(): string {
  return uuidv7();
}

export { isUuid };
