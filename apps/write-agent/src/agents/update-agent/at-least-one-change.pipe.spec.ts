import { describe, expect, it } from 'vitest';
import { ProblemException } from '@app/platform';
import { AtLeastOneChangePipe } from './at-least-one-change.pipe.js';
import type { UpdateAgentDto } from './update-agent.dto.js';

const pipe = new AtLeastOneChangePipe();

describe('AtLeastOneChangePipe', () => {
  it.each([{ name: 'crawler-2' }, { version: '2.0.0' }, { config: {} }])('passes an update that changes %j', (body) => {
    expect(pipe.transform(body as UpdateAgentDto)).toBe(body);
  });

  it('refuses an update that changes nothing with the 400 the contract names', () => {
    const error = (() => {
      try {
        pipe.transform({} as UpdateAgentDto);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).problem).toEqual({
      type: 'urn:problem:validation-failed',
      title: 'Bad Request',
      status: 400,
      detail: 'Give at least one of name, version, config.',
      errors: [{ field: 'body', message: 'must contain at least one of name, version, config' }],
    });
  });
});
