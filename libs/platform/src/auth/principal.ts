/** Who sent a request, as the token (or, with auth off, the platform) says. */
export interface Principal {
  subject: string;
  scopes: ReadonlySet<string>;
}

export const ANONYMOUS: Principal = { subject: 'anonymous', scopes: new Set() };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}
