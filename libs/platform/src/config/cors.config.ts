import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsArray, Matches } from 'class-validator';
import { validateEnvironment } from './validate-environment.js';

/** `scheme://host[:port]`, as a browser sends it in `Origin`: http or https, no path, no slash. */
const ORIGIN = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?$/;

/** The origin as browsers write it (lower case, no default port); what is no origin fails ORIGIN. */
function canonical(text: string): string {
  const lower = text.toLowerCase();
  try {
    if (ORIGIN.test(lower)) return new URL(lower).origin;
  } catch {
    // e.g. a port over 65535
  }
  return ` ${text}`;
}

class CorsEnvironment {
  @Transform(({ value }) =>
    typeof value === 'string'
      ? value.split(',').map((origin) => origin.trim()).filter((origin) => origin.length > 0).map(canonical)
      : [],
  )
  @IsArray()
  @Matches(ORIGIN, {
    each: true,
    message: 'must be comma-separated origins such as https://app.example.com (http or https, a host, an optional port, no path)',
  })
  CORS_ORIGINS: string[] = [];
}

export interface CorsConfig {
  /** The origins browsers may call the API from; empty: CORS is closed. */
  origins: string[];
}

export const corsConfig = registerAs('cors', (): CorsConfig => {
  const env = validateEnvironment(CorsEnvironment);
  return { origins: env.CORS_ORIGINS };
});
