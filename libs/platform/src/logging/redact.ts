/**
 * What no log line may hold (docs/api.md section 6): a bearer token, wherever a client put
 * it (Authorization, a query string, a path, a request id, a body that is echoed in an
 * error), and the JWT secret. Lines are scrubbed as they are written, so this holds for
 * every field of every line, Nest's own and the access log alike.
 */

export const REDACTED = '[redacted]';

/**
 * A JWT, or its signed part: a JWT's header is JSON, so its base64url starts with `eyJ`
 * (`{"`). Matches `header.payload` and `header.payload.signature`.
 */
export const JWT_SHAPED = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/g;

/** True when the text holds something shaped like a JWT. */
export function holdsJwt(text: string): boolean {
  JWT_SHAPED.lastIndex = 0;
  const found = JWT_SHAPED.test(text);
  JWT_SHAPED.lastIndex = 0;
  return found;
}

/**
 * The function that scrubs a serialized log line: JWT-shaped strings and the given
 * secrets (as written and as JSON escapes them) become `[redacted]`. Secrets shorter than
 * 16 characters are ignored: scrubbing them would mangle ordinary words.
 */
export function lineScrubber(secrets: ReadonlyArray<string | undefined>): (line: string) => string {
  const forms = [
    ...new Set(
      secrets
        .filter((secret): secret is string => typeof secret === 'string' && secret.length >= 16)
        .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]),
    ),
  ];
  return (line: string) => {
    let scrubbed = line.includes('eyJ') ? line.replace(JWT_SHAPED, REDACTED) : line;
    for (const form of forms) if (scrubbed.includes(form)) scrubbed = scrubbed.split(form).join(REDACTED);
    return scrubbed;
  };
}
