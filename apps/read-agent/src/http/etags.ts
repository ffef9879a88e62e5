import { createHash } from 'node:crypto';
import type { AgentView, StatsView, TaskView } from '../read-model/views.js';

/** A task view changes only with its revision. */
export const taskEtag = (task: TaskView) => `"${task.revision}"`;

/** An agent view is its revision plus its task counts: the tag changes whenever either does. */
export const agentEtag = ({ revision, tasks: t }: AgentView) =>
  `"${revision}-${t.pending}-${t.running}-${t.completed}-${t.failed}-${t.cancelled}"`;

export const statsEtag = ({ agents: a, tasks: t }: StatsView) =>
  `"a${a.active}.${a.paused}.${a.retired}-t${t.pending}.${t.running}.${t.completed}.${t.failed}.${t.cancelled}"`;

/** Lists and histories: a digest of the answer. */
export const contentEtag = (value: unknown) =>
  `"${createHash('sha1').update(JSON.stringify(value)).digest('base64url')}"`;

/** If-None-Match (weak comparison, RFC 9110 section 13.1.2): `*` or any listed tag. */
export function noneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = (Array.isArray(header) ? header.join(',') : header).split(',').map((tag) => tag.trim());
  return tags.some((tag) => tag === '*' || tag.replace(/^W\//, '') === etag);
}
