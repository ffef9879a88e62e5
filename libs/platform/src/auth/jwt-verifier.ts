import { Inject, Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify } from 'jose';
import { authConfig, type AuthConfig } from '../config/auth.config.js';
import { isStorableText } from '../validation/storable-text.js';
import type { Principal } from './principal.js';

export class InvalidTokenError extends Error {}

const CACHE_LIMIT = 10_000;
const MAX_SUBJECT_LENGTH = 255;

/**
 * The subject owns idempotency keys and rate-limit counts, and is stored in every event's
 * metadata: without one, all such tokens would share one identity, and a subject
 * PostgreSQL cannot store (U+0000, a lone surrogate) would fail the command as a 500.
 */
function subjectOf(claim: unknown): string {
  if (typeof claim !== 'string' || claim.length < 1 || claim.length > MAX_SUBJECT_LENGTH || !isStorableText(claim)) {
    throw new InvalidTokenError('the sub claim must be 1..255 characters of well-formed text');
  }
  return claim;
}

/**
 * Verifies HS256 bearer tokens. Verified tokens are remembered until they expire, so a
 * client that sends the same token on every request pays for the HMAC only once.
 */
@Injectable()
export class JwtVerifier {
  private readonly key: Uint8Array;
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(@Inject(authConfig.KEY) config: AuthConfig) {
    this.key = new TextEncoder().encode(config.jwtSecret ?? '');
  }

  async verify(token: string): Promise<Principal> {
    const cached = this.verified.get(token);
    if (cached && cached.expiresAtMs > Date.now()) return cached.principal;
    if (cached) this.verified.delete(token);

    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
      const scope = typeof payload.scope === 'string' ? payload.scope : '';
      const principal: Principal = {
        subject: subjectOf(payload.sub),
        scopes: new Set(scope.split(' ').filter(Boolean)),
      };
      if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
      this.verified.set(token, { principal, expiresAtMs: (payload.exp as number) * 1000 });
      return principal;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError(error.code);
      throw new InvalidTokenError('malformed token');
    }
  }
}
