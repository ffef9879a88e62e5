import { SetMetadata } from '@nestjs/common';

export const REQUIRED_SCOPE = 'auth:required-scope';

export type Scope = 'commands:write' | 'queries:read';

/** Routes of a controller marked with this need a valid token carrying the scope. */
export const RequiredScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);
