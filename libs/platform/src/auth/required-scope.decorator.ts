import { SetMetadata } from '@nestjs/common';

export const REQUIRED_SCOPE = 'auth:required-scope';

/** Routes of a controller marked with this need a valid token carrying the scope. */
export const RequiredScope = (scope: 'commands:write' | 'queries:read') => SetMetadata(REQUIRED_SCOPE, scope);
