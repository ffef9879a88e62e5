import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * For the API's answers (JSON, problem+json, Prometheus text): nothing may be loaded from
 * them, run in them or frame them.
 */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * For Swagger UI under /docs: its scripts, styles and the document come from the agent
 * itself (no inline script), its page has inline <style> blocks and data: icons. It is
 * never framed either.
 */
const DOCS_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs?');

/** The security headers of every answer (docs/api.md section 2). */
export function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('content-security-policy', isDocs(request.url) ? DOCS_POLICY : API_POLICY);
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-resource-policy', 'same-origin');
}

export interface CorsPolicy {
  origins: readonly string[];
}

/** The methods of the API's routes. */
export const CORS_ALLOWED_METHODS = 'GET, HEAD, POST, PATCH';
/** The request headers a client of the API may send (docs/api.md section 2). */
export const CORS_ALLOWED_HEADERS =
  'Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-Id, X-Min-Position';
/** The answer headers a browser client may read. */
export const CORS_EXPOSED_HEADERS = 'ETag, Location, X-Request-Id, X-Data-Source, Idempotent-Replayed, Retry-After';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * The security headers and CORS of one answer. CORS is closed unless `policy.origins` names
 * origins: a request from an origin in the list gets Access-Control-Allow-Origin (no
 * credentials: the API takes bearer tokens, not cookies) and the exposed headers. Any other
 * origin gets no CORS header at all, so the browser refuses it. Returns true for the
 * preflight of an allowed origin (OPTIONS with Access-Control-Request-Method), whose
 * headers are set and which the caller answers 204.
 */
export function securityHeaders(policy: CorsPolicy): (request: FastifyRequest, reply: FastifyReply) => boolean {
  const allowed = new Set(policy.origins);
  return (request, reply) => {
    setSecurityHeaders(request, reply);
    if (allowed.size === 0) return false;
    // The answer depends on Origin whenever origins are configured: caches must know.
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !allowed.has(origin)) return false;
    reply.header('access-control-allow-origin', origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      reply
        .header('access-control-allow-methods', CORS_ALLOWED_METHODS)
        .header('access-control-allow-headers', CORS_ALLOWED_HEADERS)
        .header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
      return true;
    }
    reply.header('access-control-expose-headers', CORS_EXPOSED_HEADERS);
    return false;
  };
}

/**
 * Adds the security headers and CORS to every answer of the Fastify instance: Nest routes,
 * direct routes, 404s, /health, /metrics and /docs. One onRequest hook, before routing's
 * own answers; an allowed origin's preflight is answered 204 here, before any guard.
 * (Fastify's URL errors skip the hooks: create-http-app.ts applies the same headers there.)
 */
export function registerSecurityHeaders(fastify: FastifyInstance, apply: ReturnType<typeof securityHeaders>): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!apply(request, reply)) return done();
    reply.code(204).send();
  });
}
