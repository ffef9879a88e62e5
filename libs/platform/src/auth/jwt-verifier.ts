import { Inject, Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify } from 'jose';
import { authConfig, type AuthConfig } from '../config/auth.config.js';
import type { Principal } from './principal.js';

export class InvalidTokenError extends Error {}

const CACHE_LIMIT = 10_000;

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
        subject: typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : 'unknown',
        scopes: new Set(scope.split(' ').filter(Boolean)),
      };
      if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
      this.verified.set(token, { principal, expiresAtMs: (payload.exp as number) * 1000 });
      return principal;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError(error.code);
      throw new InvalidTokenError('malformed token');
    }
  }
}
