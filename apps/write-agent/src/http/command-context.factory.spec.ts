import { describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '@app/platform';
import { commandContextOf } from './command-context.factory.js';

type Headers = Record<string, string | string[]>;

function requestWith(headers: Headers = {}, rest: Partial<{ method: string; url: string; body: unknown; subject: string }> = {}) {
  return {
    id: 'req-1',
    method: rest.method ?? 'POST',
    url: rest.url ?? '/agents',
    body: rest.body,
    headers,
    principal: rest.subject ? { subject: rest.subject, scopes: new Set(['commands:write']) } : undefined,
  } as unknown as FastifyRequest;
}

/** The 400 problem a request's headers get, or undefined when they pass. */
function refusalOf(headers: Headers) {
  try {
    commandContextOf(requestWith(headers));
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    return (error as ProblemException).problem;
  }
}

describe('commandContextOf', () => {
  it('carries the request id and the token subject, with no condition when no header is sent', () => {
    expect(commandContextOf(requestWith({}, { subject: 'operator-7' }))).toEqual({
      requestId: 'req-1',
      subject: 'operator-7',
      expectedRevision: undefined,
      idempotency: undefined,
    });
  });

  it('names the subject anonymous when authentication is off', () => {
    expect(commandContextOf(requestWith()).subject).toBe('anonymous');
  });

  it('parses the request once and gives the same context to every reader', () => {
    const request = requestWith({ 'if-match': '"2"' });
    expect(commandContextOf(request)).toBe(commandContextOf(request));
  });

  describe('If-Match', () => {
    it.each([
      ['"3"', 3],
      ['"0"', 0],
      [' "12" ', 12],
      ['"999999999"', 999_999_999],
    ])('reads %s as the expected revision %i', (tag, revision) => {
      expect(commandContextOf(requestWith({ 'if-match': tag })).expectedRevision).toBe(revision);
    });

    it.each(['3', 'W/"3"', '"abc"', '"1', '"-1"', '"1000000000"', '*', '"1", "2"', ''])('refuses %j with a 400 naming if-match', (tag) => {
      expect(refusalOf({ 'if-match': tag })).toMatchObject({
        status: 400,
        type: 'urn:problem:invalid-header',
        errors: [{ field: 'if-match', message: 'must be a revision in double quotes, e.g. "3"' }],
      });
    });
  });

  describe('Idempotency-Key', () => {
    it('claims the key for the token subject with a fingerprint of method, path and body', () => {
      const request = requestWith({ 'idempotency-key': 'k-1' }, { subject: 'operator-7', body: { name: 'a' } });
      expect(commandContextOf(request).idempotency).toEqual({ subject: 'operator-7', key: 'k-1', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    });

    it('gives the same fingerprint to the same request, and another to another body, path or method', () => {
      const fingerprint = (rest: Parameters<typeof requestWith>[1]) =>
        commandContextOf(requestWith({ 'idempotency-key': 'k' }, rest)).idempotency!.fingerprint;
      const first = fingerprint({ body: { name: 'a' } });
      expect(fingerprint({ body: { name: 'a' } })).toBe(first);
      expect(fingerprint({ body: { name: 'b' } })).not.toBe(first);
      expect(fingerprint({ body: { name: 'a' }, url: '/tasks' })).not.toBe(first);
      expect(fingerprint({ body: { name: 'a' }, method: 'PATCH' })).not.toBe(first);
    });

    it('fingerprints a request without a body as one with {}', () => {
      const fingerprint = (body: unknown) => commandContextOf(requestWith({ 'idempotency-key': 'k' }, { body })).idempotency!.fingerprint;
      expect(fingerprint(undefined)).toBe(fingerprint({}));
    });

    it.each([1, 255])('takes a key of %i characters', (length) => {
      expect(commandContextOf(requestWith({ 'idempotency-key': 'k'.repeat(length) })).idempotency?.key).toHaveLength(length);
    });

    it.each([0, 256])('refuses a key of %i characters with a 400 naming idempotency-key', (length) => {
      expect(refusalOf({ 'idempotency-key': 'k'.repeat(length) })).toMatchObject({
        status: 400,
        type: 'urn:problem:invalid-header',
        errors: [{ field: 'idempotency-key', message: 'must be 1 to 255 characters long' }],
      });
    });
  });

  it.each(['if-match', 'idempotency-key'])('refuses %s sent twice instead of picking one', (name) => {
    expect(refusalOf({ [name]: ['"1"', '"2"'] })).toMatchObject({
      status: 400,
      detail: `Send the ${name} header once.`,
      errors: [{ field: name, message: 'must be sent once' }],
    });
  });
});
