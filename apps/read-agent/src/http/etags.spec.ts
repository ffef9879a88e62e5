import { describe, expect, it } from 'vitest';
import { emptyTaskCounts, type AgentView } from '../read-model/views.js';
import { agentEtag, noneMatch } from './etags.js';

const agent = (revision: number, pending: number): AgentView => ({
  id: 'a',
  name: 'n',
  version: '1',
  status: 'active',
  config: {},
  revision,
  createdAt: '',
  updatedAt: '',
  tasks: { ...emptyTaskCounts(), pending, total: pending },
});

describe('agent ETags', () => {
  it('change with the revision and with the task counts', () => {
    const tags = new Set([agentEtag(agent(1, 0)), agentEtag(agent(2, 0)), agentEtag(agent(1, 1))]);
    expect(tags.size).toBe(3);
  });

  it('do not depend on where the view was read (key order)', () => {
    const view = agent(3, 2);
    const { tasks, ...rest } = view;
    const reordered = JSON.parse(JSON.stringify({ tasks: { ...tasks }, ...rest })) as AgentView;
    expect(agentEtag(reordered)).toBe(agentEtag(view));
  });
});

describe('If-None-Match', () => {
  it.each([
    ['"3"', true],
    ['W/"3"', true],
    ['"1", "3"', true],
    ['*', true],
    ['"4"', false],
    ['3', false],
    ['', false],
  ])('%s against "3" matches: %s', (header, matches) => {
    expect(noneMatch(header, '"3"')).toBe(matches);
  });

  it('does not match without the header', () => {
    expect(noneMatch(undefined, '"3"')).toBe(false);
  });
});
