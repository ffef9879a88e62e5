import { Body, Controller, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { ParseIdPipe, RequiredScope } from '@app/platform';
import type { CommandContext } from '../commands/command-context.js';
import { CommandCtx } from '../http/command-ctx.decorator.js';
import { CreateCommand, PostCommand } from '../http/command-route.decorator.js';
import { NoBodyDto } from '../http/no-body.dto.js';
import { OptionalBody } from '../http/optional-body.decorator.js';
import { CancelTaskCommand } from './cancel-task/cancel-task.command.js';
import { CancelTaskDto } from './cancel-task/cancel-task.dto.js';
import { CompleteTaskCommand } from './complete-task/complete-task.command.js';
import { CompleteTaskDto } from './complete-task/complete-task.dto.js';
import { FailTaskCommand } from './fail-task/fail-task.command.js';
import { FailTaskDto } from './fail-task/fail-task.dto.js';
import { StartTaskCommand } from './start-task/start-task.command.js';
import { SubmitTaskCommand } from './submit-task/submit-task.command.js';
import { SubmitTaskDto } from './submit-task/submit-task.dto.js';

@ApiTags('tasks')
@ApiBearerAuth()
@RequiredScope('commands:write')
@Controller('tasks')
export class TasksController {
  constructor(private readonly commandBus: CommandBus) {}

  @CreateCommand(SubmitTaskCommand, 'submit a task to an active agent (status pending)')
  submit(@Body() body: SubmitTaskDto, @CommandCtx() context: CommandContext) {
    const id = body.id ?? randomUUID();
    return this.commandBus.execute(new SubmitTaskCommand(id, body.agentId, body.type, body.payload ?? {}, body.timeoutSeconds ?? null, context));
  }

  @PostCommand(':id/start', StartTaskCommand, 'pending -> running')
  @OptionalBody(NoBodyDto)
  start(@Param('id', ParseIdPipe) id: string, @Body() _body: NoBodyDto, @CommandCtx() context: CommandContext) {
    return this.commandBus.execute(new StartTaskCommand(id, context));
  }

  @PostCommand(':id/complete', CompleteTaskCommand, 'running -> completed, with an optional result')
  @OptionalBody(CompleteTaskDto)
  complete(@Param('id', ParseIdPipe) id: string, @Body() body: CompleteTaskDto, @CommandCtx() context: CommandContext) {
    return this.commandBus.execute(new CompleteTaskCommand(id, body.result ?? null, context));
  }

  @PostCommand(':id/fail', FailTaskCommand, 'running -> failed, with the error text')
  fail(@Param('id', ParseIdPipe) id: string, @Body() body: FailTaskDto, @CommandCtx() context: CommandContext) {
    return this.commandBus.execute(new FailTaskCommand(id, body.error, context));
  }

  @PostCommand(':id/cancel', CancelTaskCommand, 'pending|running -> cancelled')
  @OptionalBody(CancelTaskDto)
  cancel(@Param('id', ParseIdPipe) id: string, @Body() body: CancelTaskDto, @CommandCtx() context: CommandContext) {
    return this.commandBus.execute(new CancelTaskCommand(id, body.reason ?? null, context));
  }
}
