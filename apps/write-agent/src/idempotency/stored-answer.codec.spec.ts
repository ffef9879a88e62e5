import { describe, expect, it } from 'vitest';
import { problem } from '@app/platform';
import { decodeStoredAnswer, encodeRefusal, encodeSuccessSql, MalformedStoredAnswerError } from './stored-answer.codec.js';

const ID = '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10';
/** A success's response as PostgreSQL returns the jsonb that encodeSuccessSql builds. */
const storedSuccess = { id: ID, revision: 4, aggregateType: 'task', txId: '7521', position: '1042' };

describe('the stored answer codec', () => {
  describe('a success', () => {
    it('is built in SQL from parameters and the appended columns, 201 when it created the aggregate', () => {
      const params: unknown[] = [];
      const param = (value: unknown) => `$${params.push(value)}`;
      const encoded = encodeSuccessSql({ id: ID, revision: 1, created: true, aggregateType: 'agent' }, { txId: 'tx_id', position: 'position' }, param);
      expect(encoded.status).toBe('$1::int');
      expect(encoded.response.replace(/\s+/g, ' ')).toBe(
        "jsonb_build_object('id', $2::text, 'revision', $3::int, 'aggregateType', $4::text, 'txId', tx_id::text, 'position', position::text, 'headPending', true)",
      );
      expect(params).toEqual([201, ID, 1, 'agent']);
    });

    it('stores 200 for a command that changed an existing aggregate', () => {
      const params: unknown[] = [];
      encodeSuccessSql({ id: ID, revision: 2, created: false, aggregateType: 'agent' }, { txId: 'tx_id', position: 'position' }, (value) => `$${params.push(value)}`);
      expect(params[0]).toBe(200);
    });

    it.each([
      [201, true],
      [200, false],
    ])('decodes status %i back into the command result (created: %s) with its position token', (status, created) => {
      expect(decodeStoredAnswer(status, storedSuccess)).toEqual({
        kind: 'success',
        result: { id: ID, revision: 4, position: '7521.1042', created, aggregateType: 'task' },
        headPending: false,
      });
    });

    it('decodes a success whose position is not yet moved to the head of the log as pending', () => {
      expect(decodeStoredAnswer(201, { ...storedSuccess, headPending: true })).toMatchObject({ kind: 'success', headPending: true });
    });

    it.each([
      ['without an id', { ...storedSuccess, id: undefined }],
      ['with a revision of 0', { ...storedSuccess, revision: 0 }],
      ['with a revision that is text', { ...storedSuccess, revision: '4' }],
      ['with an unknown aggregate type', { ...storedSuccess, aggregateType: 'fleet' }],
      ['with a txId that is not decimal', { ...storedSuccess, txId: '0x1d61' }],
      ['with a numeric position', { ...storedSuccess, position: 1042 }],
      ['that is an array', [storedSuccess]],
      ['that is null', null],
    ])('refuses to decode a success %s', (_what, response) => {
      expect(() => decodeStoredAnswer(201, response)).toThrow(MalformedStoredAnswerError);
    });
  });

  describe('a refusal', () => {
    const refusal = problem(409, 'The agent is paused.', 'agent_invalid_transition');

    it('is stored as its status and its problem in JSON, and decodes back to the same problem', () => {
      const encoded = encodeRefusal(refusal);
      expect(encoded).toEqual({ status: 409, response: JSON.stringify(refusal) });
      expect(decodeStoredAnswer(encoded.status, JSON.parse(encoded.response as string))).toEqual({ kind: 'refusal', problem: refusal });
    });

    it('keeps the field errors of a problem that has them', () => {
      const withFields = problem(422, 'No such agent.', 'task_agent_not_found', [{ field: 'agentId', message: 'unknown' }]);
      expect(decodeStoredAnswer(422, JSON.parse(encodeRefusal(withFields).response as string))).toEqual({ kind: 'refusal', problem: withFields });
    });

    it.each([
      ['without a detail', { ...refusal, detail: undefined }],
      ['whose status differs from the stored one', { ...refusal, status: 404 }],
      ['whose errors are not a list', { ...refusal, errors: 'agentId' }],
      ['with an error entry without a message', { ...refusal, errors: [{ field: 'agentId' }] }],
    ])('refuses to decode a refusal %s', (_what, response) => {
      expect(() => decodeStoredAnswer(409, response)).toThrow(MalformedStoredAnswerError);
    });
  });

  it.each([204, 302, 600, '201', null])('refuses to decode an answer stored with status %j', (status) => {
    expect(() => decodeStoredAnswer(status, storedSuccess)).toThrow(MalformedStoredAnswerError);
  });
});
