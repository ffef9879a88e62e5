import { SignJWT } from 'jose';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** An HS256 token as a client would hold it; `sub: null` leaves the subject out. */
export function signToken(
  claims: { sub?: string | null; scope?: string; expiresIn?: string | number | null } = {},
  secret = TEST_JWT_SECRET,
): Promise<string> {
  const { sub = 'test-client', scope = 'commands:write queries:read', expiresIn = '1h' } = claims;
  const jwt = new SignJWT({ scope }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (sub !== null) jwt.setSubject(sub);
  if (expiresIn !== null) jwt.setExpirationTime(expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}
