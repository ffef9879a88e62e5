import { Body, Controller, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ParseIdPipe, ProblemException, RequiredScope } from '@app/platform';
import { ChangeCommand, CreateCommand, PostChangeCommand } from '../http/command-route.decorator.js';
import { CommandGateway } from '../http/command-gateway.js';
import { NoBodyDto } from '../http/no-body.dto.js';
import { PauseAgentCommand } from './pause-agent/pause-agent.command.js';
import { RegisterAgentCommand } from './register-agent/register-agent.command.js';
import { RegisterAgentDto } from './register-agent/register-agent.dto.js';
import { ResumeAgentCommand } from './resume-agent/resume-agent.command.js';
import { RetireAgentCommand } from './retire-agent/retire-agent.command.js';
import { UpdateAgentCommand } from './update-agent/update-agent.command.js';
import { UpdateAgentDto } from './update-agent/update-agent.dto.js';

type Reply = FastifyReply;

@ApiTags('agents')
@ApiBearerAuth()
@RequiredScope('commands:write')
@Controller('agents')
export class AgentsController {
  constructor(private readonly gateway: CommandGateway) {}

  @Post()
  @CreateCommand('RegisterAgent: register an agent (status active)')
  register(@Body() body: RegisterAgentDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: Reply) {
    const id = body.id ?? randomUUID();
    return this.gateway.execute('RegisterAgent', request, reply, (context) =>
      new RegisterAgentCommand(id, body.name, body.version, body.config ?? {}, context),
    );
  }

  @Patch(':id')
  @ChangeCommand('UpdateAgent: replace the name, version and/or config')
  update(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateAgentDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    if (body.name === undefined && body.version === undefined && body.config === undefined) {
      throw ProblemException.badRequest('Give at least one of name, version, config.', [
        { field: 'body', message: 'must contain at least one of name, version, config' },
      ]);
    }
    return this.gateway.execute('UpdateAgent', request, reply, (context) => new UpdateAgentCommand(id, body, context));
  }

  @PostChangeCommand(':id/pause', 'PauseAgent: active -> paused (stops new submissions only)')
  pause(@Param('id', ParseIdPipe) id: string, @Body() _body: NoBodyDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.gateway.execute('PauseAgent', request, reply, (context) => new PauseAgentCommand(id, context));
  }

  @PostChangeCommand(':id/resume', 'ResumeAgent: paused -> active')
  resume(@Param('id', ParseIdPipe) id: string, @Body() _body: NoBodyDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.gateway.execute('ResumeAgent', request, reply, (context) => new ResumeAgentCommand(id, context));
  }

  @PostChangeCommand(':id/retire', 'RetireAgent: active|paused -> retired (409 while it has open tasks)')
  retire(@Param('id', ParseIdPipe) id: string, @Body() _body: NoBodyDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.gateway.execute('RetireAgent', request, reply, (context) => new RetireAgentCommand(id, context));
  }
}
