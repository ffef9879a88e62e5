/** A JSON object, as a task's payload and result are. */
export type JsonObject = { [key: string]: unknown };

/** A submitted task as the worker's handler receives it. */
export interface WorkerTask {
  readonly id: string;
  readonly agentId: string;
  readonly type: string;
  readonly payload: JsonObject;
  /** The submission's deadline once started; null: none. */
  readonly timeoutSeconds: number | null;
  readonly submittedAt: string;
  /** The TaskSubmitted event's position token (usable as X-Min-Position). */
  readonly position: string;
}

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The task of a TaskSubmitted message body (`{ type, aggregateId, revision, data,
 * occurredAt, agentId, position }`), or a reason why the body is not one.
 */
export function taskOfMessage(body: unknown): WorkerTask | string {
  const parsed = typeof body === 'string' || Buffer.isBuffer(body) ? safeParse(body.toString()) : body;
  if (!isObject(parsed)) return 'the body is not a JSON object';
  const { type, aggregateId, data, occurredAt, position } = parsed;
  if (type !== 'TaskSubmitted') return `the event is ${String(type)}, not TaskSubmitted`;
  if (typeof aggregateId !== 'string' || !isObject(data) || typeof data.agentId !== 'string' || typeof data.type !== 'string') {
    return 'the event lacks its task id, agent id or type';
  }
  return {
    id: aggregateId,
    agentId: data.agentId,
    type: data.type,
    payload: isObject(data.payload) ? data.payload : {},
    timeoutSeconds: typeof data.timeoutSeconds === 'number' ? data.timeoutSeconds : null,
    submittedAt: String(occurredAt),
    position: String(position),
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
