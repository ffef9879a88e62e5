import type { Type } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';

/** A command whose body may be left out (no body reads as {}); says so in the OpenAPI document. */
export const OptionalBody = (dto: Type) => ApiBody({ type: dto, required: false });
