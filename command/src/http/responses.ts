import { etagOf, formatPosition, type CommandResponse, type GlobalPosition } from '@booking/shared-kernel';

/** The usual answer to a command: what changed, the stream's revision as ETag, and the
 *  global position to pass to the read API for read-your-writes. */
export function accepted(
  status: 200 | 201,
  body: Record<string, unknown>,
  revision: bigint,
  position: GlobalPosition | null,
  location?: string,
): CommandResponse {
  const headers: Record<string, string> = { etag: etagOf(revision) };
  if (position) headers['x-event-position'] = formatPosition(position);
  if (location) headers.location = location;
  return {
    status,
    headers,
    body: { ...body, revision: revision.toString(), position: position ? formatPosition(position) : null },
  };
}
