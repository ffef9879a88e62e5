import { describe, expect, it } from 'vitest';
import { holdsJwt, lineScrubber, REDACTED } from './redact.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
const SECRET = 'a-secret-of-at-least-32-characters-"quoted"';

describe('lineScrubber', () => {
  const scrub = lineScrubber([SECRET, undefined, 'short']);

  it('replaces every JWT-shaped string, signed or not, in any field', () => {
    const line = JSON.stringify({ url: `/agents?token=${JWT}&x=1`, requestId: JWT.split('.').slice(0, 2).join('.') });
    expect(scrub(line)).toBe(JSON.stringify({ url: `/agents?token=${REDACTED}&x=1`, requestId: REDACTED }));
  });

  it('replaces the secret, as written and as JSON escapes it', () => {
    const line = JSON.stringify({ msg: `secret ${SECRET}` });
    expect(scrub(line)).toBe(JSON.stringify({ msg: `secret ${REDACTED}` }));
    expect(scrub(`raw ${SECRET}`)).toBe(`raw ${REDACTED}`);
  });

  it('leaves other lines, and short "secrets", as they are', () => {
    const line = JSON.stringify({ msg: 'request completed', url: '/agents/short?eyJ=1' });
    expect(scrub(line)).toBe(line);
  });
});

describe('holdsJwt', () => {
  it('tells a token from a request id', () => {
    expect(holdsJwt(JWT)).toBe(true);
    expect(holdsJwt(`req-${JWT}`)).toBe(true);
    expect(holdsJwt('req-1234.5678')).toBe(false);
    expect(holdsJwt('eyJ-not-a-token')).toBe(false);
  });
});
