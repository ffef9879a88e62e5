import { describe, expect, it } from 'vitest';
import { taskOfMessage } from './worker-task.js';

const body = {
  type: 'TaskSubmitted',
  aggregateId: '5d2c8f0e-1b7a-4c3e-8f6d-2a9b4e7c1d03',
  revision: 1,
  data: { agentId: '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10', type: 'echo', payload: { n: 1 }, timeoutSeconds: 30 },
  occurredAt: '2026-01-01T00:00:00.000Z',
  agentId: '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10',
  position: '900.12',
};

describe('taskOfMessage', () => {
  it('reads a TaskSubmitted body, parsed or as JSON text', () => {
    const task = { id: body.aggregateId, agentId: body.agentId, type: 'echo', payload: { n: 1 }, timeoutSeconds: 30, submittedAt: body.occurredAt, position: '900.12' };
    expect(taskOfMessage(body)).toEqual(task);
    expect(taskOfMessage(Buffer.from(JSON.stringify(body)))).toEqual(task);
  });

  it('gives a task without a timeout a null one', () => {
    const { timeoutSeconds: _, ...data } = body.data;
    expect(taskOfMessage({ ...body, data })).toMatchObject({ timeoutSeconds: null });
  });

  it.each([
    ['not JSON', 'not json'],
    ['another event', { ...body, type: 'TaskStarted' }],
    ['no task id', { ...body, aggregateId: undefined }],
    ['an array', [body]],
  ])('says why %s is not a task', (_case, message) => {
    expect(typeof taskOfMessage(message)).toBe('string');
  });
});
