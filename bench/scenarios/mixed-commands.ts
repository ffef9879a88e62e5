import type autocannon from 'autocannon';
import { authHeaders } from './fixtures.js';
import { measurementOf, type Scenario } from './scenario.js';

type Command = 'RegisterAgent' | 'SubmitTask' | 'StartTask' | 'CompleteTask';
interface MixContext {
  agentId?: string;
  taskId?: string;
}

const TASKS_PER_AGENT = 3;

/**
 * Mixed commands: every connection loops over RegisterAgent, then three times
 * SubmitTask -> StartTask -> CompleteTask on the task it just submitted, to the agent it
 * just registered (1 : 3 : 3 : 3). Only 2xx answers count as commands/s; any other
 * answer is counted apart, and the connection starts its sequence again.
 */
export const mixedCommandsScenario: Scenario = {
  name: 'mixed-commands',
  description: 'RegisterAgent / SubmitTask / StartTask / CompleteTask mix on the write agent',
  async run(context) {
    const agent = await context.writeAgent();
    let registered = 0; // across warm-up and measured runs: names stay unique
    let counts = newCounts();

    const idOf = (body: string): string | undefined => {
      try {
        return (JSON.parse(body) as { id?: string }).id;
      } catch {
        return undefined;
      }
    };
    const count = (command: Command, status: number) => {
      if (status >= 200 && status <= 299) counts[command].ok++;
      else counts[command].other++;
    };

    const requests = (): autocannon.Request[] => {
      counts = newCounts();
      const sequence: autocannon.Request[] = [
        {
          method: 'POST',
          path: '/agents',
          setupRequest: (request) => {
            request.body = JSON.stringify({ name: `mix-${context.runTag}-${++registered}`, version: '1.0.0' });
            return request;
          },
          onResponse: (status, body, ctx) => {
            count('RegisterAgent', status);
            (ctx as MixContext).agentId = status === 201 ? idOf(body) : undefined;
          },
        },
      ];
      for (let i = 0; i < TASKS_PER_AGENT; i++) {
        sequence.push(
          {
            method: 'POST',
            path: '/tasks',
            setupRequest: (request, ctx) => {
              const { agentId } = ctx as MixContext;
              if (!agentId) return undefined as unknown as autocannon.Request; // start over
              request.body = JSON.stringify({ agentId, type: 'bench.mixed', payload: { n: i } });
              return request;
            },
            onResponse: (status, body, ctx) => {
              count('SubmitTask', status);
              (ctx as MixContext).taskId = status === 201 ? idOf(body) : undefined;
            },
          },
          {
            method: 'POST',
            body: '{}',
            setupRequest: (request, ctx) => {
              const { taskId } = ctx as MixContext;
              if (!taskId) return undefined as unknown as autocannon.Request;
              request.path = `/tasks/${taskId}/start`;
              return request;
            },
            onResponse: (status, _body, ctx) => {
              count('StartTask', status);
              if (status !== 200) (ctx as MixContext).taskId = undefined;
            },
          },
          {
            method: 'POST',
            setupRequest: (request, ctx) => {
              const { taskId } = ctx as MixContext;
              if (!taskId) return undefined as unknown as autocannon.Request;
              request.path = `/tasks/${taskId}/complete`;
              request.body = JSON.stringify({ result: { ok: true } });
              return request;
            },
            onResponse: (status) => count('CompleteTask', status),
          },
        );
      }
      return sequence;
    };

    const result = await context.load({
      title: 'mixed commands -> write agent',
      url: agent.url,
      pid: agent.pid,
      headers: authHeaders(context.token),
      requests,
    });
    const measurement = measurementOf(
      { id: 'mixed-commands/agent', scenario: 'Mixed commands', target: 'write agent', role: 'agent', unit: 'commands/s' },
      result,
      false,
    );
    measurement.notes = [`per connection: RegisterAgent, then ${TASKS_PER_AGENT} x (SubmitTask, StartTask, CompleteTask)`];
    measurement.details = { ...measurement.details, byCommand: counts };
    if (result.non2xx > 0 || result.errors > 0) {
      measurement.notes.push(`WARNING: ${result.non2xx} non-2xx answers, ${result.errors} errors (not counted in commands/s)`);
    }
    return [measurement];
  },
};

function newCounts(): Record<Command, { ok: number; other: number }> {
  return {
    RegisterAgent: { ok: 0, other: 0 },
    SubmitTask: { ok: 0, other: 0 },
    StartTask: { ok: 0, other: 0 },
    CompleteTask: { ok: 0, other: 0 },
  };
}
