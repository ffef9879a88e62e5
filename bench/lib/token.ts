import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/** A fresh secret per run (>= 32 chars, as the agents require). */
export function newJwtSecret(): string {
  return randomBytes(32).toString('hex');
}

/** The HS256 token the bench's clients send: both scopes (by default), a subject, an expiry. */
export function signBenchToken(secret: string, subject = 'bench', scope = 'commands:write queries:read'): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(secret));
}
