import { Body, Controller, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { ParseIdPipe, RequiredScope } from '@app/platform';
import type { CommandContext } from '../commands/command-context.js';
import { CommandCtx } from '../http/command-ctx.decorator.js';
import { CreateCommand, PatchCommand, PostCommand } from '../http/command-route.decorator.js';
import { NoBodyDto } from '../http/no-body.dto.js';
import { OptionalBody } from '../http/optional-body.decorator.js';
import { PauseAgentCommand } from './pause-agent/pause-agent.command.js';
import { RegisterAgentCommand } from './register-agent/register-agent.command.js';
import { RegisterAgentDto } from './register-agent/register-agent.dto.js';
import { ResumeAgentCommand } from './resume-agent/resume-agent.command.js';
import { RetireAgentCommand } from './retire-agent/retire-agent.command.js';
import { AtLeastOneChangePipe } from './update-agent/at-least-one-change.pipe.js';
import { UpdateAgentCommand } from './update-agent/update-agent.command.js';
import { UpdateAgentDto } from './update-agent/update-agent.dto.js';

@ApiTags('agents')
@ApiBearerAuth()
@RequiredScope('commands:write')
@Controller('agents')
export class AgentsController {
  constructor(private readonly commandBus: CommandBus) {}

  @CreateCommand(RegisterAgentCommand, 'register an agent (status active)')
  register(@Body() body: RegisterAgentDto, @CommandCtx() context: CommandContext) {
    const id = body.id ?? randomUUID();
    return this.commandBus.execute(new RegisterAgentCommand(id, body.name, body.version, body.config ?? {}, context));
  }

  @PatchCommand(':id', UpdateAgentCommand, 'replace the name, version and/or config')
  update(@Param('id', ParseIdPipe) id: string, @Body(AtLeastOneChangePipe) body: UpdateAgentDto, @CommandCtx() context: CommandContext) {
    return this.commandBus.execute(new UpdateAgentCommand(id, body, context));
  }

  @PostCommand(':id/pause', PauseAgentCommand, 'active -> paused (stops new submissions only)')
  @OptionalBody(NoBodyDto)
  pause(@Param('id', ParseIdPipe) id: string, @Body() _body: NoBodyDto, @CommandCtx() context: CommandContext) {
    return this.commandBus.execute(new PauseAgentCommand(id, context));
  }

  @PostCommand(':id/resume', ResumeAgentCommand, 'paused -> active')
  @OptionalBody(NoBodyDto)
  resume(@Param('id', ParseIdPipe) id: string, @Body() _body: NoBodyDto, @CommandCtx() context: CommandContext) {
    return this.commandBus.execute(new ResumeAgentCommand(id, context));
  }

  @PostCommand(':id/retire', RetireAgentCommand, 'active|paused -> retired (409 while it has open tasks)')
  @OptionalBody(NoBodyDto)
  retire(@Param('id', ParseIdPipe) id: string, @Body() _body: NoBodyDto, @CommandCtx() context: CommandContext) {
    return this.commandBus.execute(new RetireAgentCommand(id, context));
  }
}
