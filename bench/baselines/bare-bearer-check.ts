/**
 * The agents' bearer check as a bare server does it: HS256 by `jose` (the library the
 * agents verify with), `exp` required, a `sub`, the route's scope; verified tokens are
 * remembered until they expire, as the agents remember them. AUTH_JWT_SECRET from the
 * environment.
 */
import { jwtVerify } from 'jose';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const key = new TextEncoder().encode(process.env.AUTH_JWT_SECRET ?? '');
const verified = new Map<string, { subject: string; scopes: string[]; expiresAtMs: number }>();

/** The token's subject; throws an HttpError 401 or 403. */
export async function subjectOf(authorization: string | undefined, scope: string): Promise<string> {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  if (!token) throw new HttpError(401, 'bearer token required');
  let entry = verified.get(token);
  if (!entry || entry.expiresAtMs <= Date.now()) {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] }).catch(() => {
      throw new HttpError(401, 'invalid token');
    });
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new HttpError(401, 'no sub');
    entry = { subject: payload.sub, scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [], expiresAtMs: (payload.exp as number) * 1000 };
    if (verified.size >= 10_000) verified.clear();
    verified.set(token, entry);
  }
  if (!entry.scopes.includes(scope)) throw new HttpError(403, `scope ${scope} required`);
  return entry.subject;
}
