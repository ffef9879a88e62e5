import { Injectable, type PipeTransform } from '@nestjs/common';
import { ProblemException } from '@app/platform';
import type { UpdateAgentDto } from './update-agent.dto.js';

/**
 * The rule of UpdateAgent's body that no field can carry: at least one field. Runs
 * after the ValidationPipe, so that the fields' own errors are reported first.
 */
@Injectable()
export class AtLeastOneChangePipe implements PipeTransform<UpdateAgentDto, UpdateAgentDto> {
  transform(body: UpdateAgentDto): UpdateAgentDto {
    if (body.name === undefined && body.version === undefined && body.config === undefined) {
      throw ProblemException.badRequest('Give at least one of name, version, config.', [
        { field: 'body', message: 'must contain at least one of name, version, config' },
      ]);
    }
    return body;
  }
}
