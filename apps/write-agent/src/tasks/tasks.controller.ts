import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ParseIdPipe, RequiredScope } from '@app/platform';
import { CreateCommand, PostChangeCommand } from '../http/command-route.decorator.js';
import { CommandGateway } from '../http/command-gateway.js';
import { NoBodyDto } from '../http/no-body.dto.js';
import { CancelTaskCommand } from './cancel-task/cancel-task.command.js';
import { CancelTaskDto } from './cancel-task/cancel-task.dto.js';
import { CompleteTaskCommand } from './complete-task/complete-task.command.js';
import { CompleteTaskDto } from './complete-task/complete-task.dto.js';
import { FailTaskCommand } from './fail-task/fail-task.command.js';
import { FailTaskDto } from './fail-task/fail-task.dto.js';
import { StartTaskCommand } from './start-task/start-task.command.js';
import { SubmitTaskCommand } from './submit-task/submit-task.command.js';
import { SubmitTaskDto } from './submit-task/submit-task.dto.js';

type Reply = FastifyReply;

@ApiTags('tasks')
@ApiBearerAuth()
@RequiredScope('commands:write')
@Controller('tasks')
export class TasksController {
  constructor(private readonly gateway: CommandGateway) {}

  @Post()
  @CreateCommand('SubmitTask: submit a task to an active agent (status pending)')
  submit(@Body() body: SubmitTaskDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: Reply) {
    const id = body.id ?? randomUUID();
    return this.gateway.execute('SubmitTask', request, reply, (context) =>
      new SubmitTaskCommand(id, body.agentId, body.type, body.payload ?? {}, context),
    );
  }

  @PostChangeCommand(':id/start', 'StartTask: pending -> running')
  start(@Param('id', ParseIdPipe) id: string, @Body() _body: NoBodyDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.gateway.execute('StartTask', request, reply, (context) => new StartTaskCommand(id, context));
  }

  @PostChangeCommand(':id/complete', 'CompleteTask: running -> completed, with an optional result')
  complete(@Param('id', ParseIdPipe) id: string, @Body() body: CompleteTaskDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.gateway.execute('CompleteTask', request, reply, (context) => new CompleteTaskCommand(id, body.result ?? null, context));
  }

  @PostChangeCommand(':id/fail', 'FailTask: running -> failed, with the error text')
  fail(@Param('id', ParseIdPipe) id: string, @Body() body: FailTaskDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.gateway.execute('FailTask', request, reply, (context) => new FailTaskCommand(id, body.error, context));
  }

  @PostChangeCommand(':id/cancel', 'CancelTask: pending|running -> cancelled')
  cancel(@Param('id', ParseIdPipe) id: string, @Body() body: CancelTaskDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.gateway.execute('CancelTask', request, reply, (context) => new CancelTaskCommand(id, body.reason ?? null, context));
  }
}
