import { isIP } from 'node:net';

/**
 * Which peers may tell the agent the client's address in X-Forwarded-For (TRUST_PROXY):
 * nobody (`false`, the default), everybody (`true`), the first `n` hops, or the listed
 * addresses and CIDR ranges. The client address (`request.ip`) is then the rightmost
 * address of the chain that a trusted peer did not add, which counts for the rate limit
 * and is written in the access log.
 */
export type TrustProxy = boolean | number | string[];

/** What Fastify's `trustProxy` option takes for a TrustProxy. */
export type FastifyTrustProxy = boolean | string[] | ((address: string, hop: number) => boolean);

export const TRUST_PROXY_MESSAGE =
  'must be true, false, a number of hops, or comma-separated IP addresses or CIDR ranges such as 10.0.0.0/8,192.168.1.7';

/** proxy-addr's names for ranges, accepted as Fastify accepts them. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Parses TRUST_PROXY; returns undefined for a value that is none of the accepted forms. */
export function parseTrustProxy(value: string | undefined): TrustProxy | undefined {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  return entries.length > 0 && entries.every(isAddressOrRange) ? entries : undefined;
}

/**
 * Fastify's option for a TrustProxy. A hop count becomes a function: Fastify itself
 * trusts nobody for a number, while TRUST_PROXY=1 means "my peer is the gateway".
 */
export function fastifyTrustProxy(setting: TrustProxy): FastifyTrustProxy {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}
