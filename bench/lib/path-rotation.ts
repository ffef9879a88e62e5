import type autocannon from 'autocannon';
import { headerOf } from '../scenarios/fixtures.js';

/** Each autocannon run walks the paths in turn over all its connections (GET). */
export function pathRotation(paths: string[], onResponse?: autocannon.Request['onResponse']): () => autocannon.Request[] {
  return () => {
    let next = 0;
    return [
      {
        method: 'GET',
        setupRequest: (request) => {
          request.path = paths[next++ % paths.length];
          return request;
        },
        ...(onResponse ? { onResponse } : {}),
      },
    ];
  };
}

/** Answers seen by one target: 200 from Redis, and everything else (the first few kept). */
export interface RedisAnswers {
  redis: number;
  other: number;
  samples: string[];
}

export const noRedisAnswers = (): RedisAnswers => ({ redis: 0, other: 0, samples: [] });

/** A rotation of GETs whose every answer must be 200 with X-Data-Source: redis; counted in `answers`. */
export function redisGets(paths: string[], answers: RedisAnswers): () => autocannon.Request[] {
  return pathRotation(paths, (status, body, _context, headers) => {
    const source = headerOf(headers as Record<string, string> | undefined, 'x-data-source');
    if (status === 200 && source === 'redis') {
      answers.redis++;
      return;
    }
    answers.other++;
    if (answers.samples.length < 5) answers.samples.push(`${status} from ${source ?? '(no X-Data-Source)'}: ${body.slice(0, 200)}`);
  });
}
