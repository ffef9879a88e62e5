import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// docs/api.md section 3, "Idempotency": a key replays the first answer of the command it
// ran, refusals included; only answers of commands that ran are stored; the order of
// problems (400 before 422) holds for a reused key too.

let fx: WriteAgentFixture;
beforeAll(async () => {
  fx = await startWriteAgent('idempotency');
});
afterAll(async () => {
  await fx?.stop();
});

const key = () => `key-${randomUUID()}`;
const count = async (sql: string, params: unknown[] = []) => Number((await fx.db.sql.query(sql, params)).rows[0].count);
const storedKeys = (k: string) => count('SELECT count(*) FROM idempotency_keys WHERE key = $1', [k]);
const agentBody = () => ({ name: `agent-${randomUUID()}`, version: '1.0.0' });

describe('Idempotency-Key', () => {
  it('replays a success with its status, body, ETag and Location, without running the command again', async () => {
    const k = key();
    const body = agentBody();
    const first = await fx.http.post('/agents', body, { 'idempotency-key': k });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await fx.http.post('/agents', body, { 'idempotency-key': k });
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('etag')).toBe('"1"');
    expect(again.headers.get('location')).toBe(`/agents/${first.body.id}`);
    expect(await count('SELECT count(*) FROM events WHERE aggregate_id = $1', [first.body.id])).toBe(1);
  });

  it('replays a refusal of the domain (409) as it was first answered', async () => {
    const { body: agent } = await fx.http.post('/agents', agentBody());
    expect((await fx.http.post(`/agents/${agent.id}/pause`)).status).toBe(200);
    const k = key();
    const refused = await fx.http.post(`/agents/${agent.id}/pause`, undefined, { 'idempotency-key': k });
    expect(refused.status).toBe(409);
    expect(await fx.http.post(`/agents/${agent.id}/resume`)).toMatchObject({ status: 200 });
    const replayed = await fx.http.post(`/agents/${agent.id}/pause`, undefined, { 'idempotency-key': k });
    expect(replayed).toMatchObject({ status: 409, body: refused.body });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('answers 422 to the same key with another body, and changes nothing', async () => {
    const k = key();
    expect((await fx.http.post('/agents', agentBody(), { 'idempotency-key': k })).status).toBe(201);
    const agents = await count('SELECT count(*) FROM agents');
    const reused = await fx.http.post('/agents', agentBody(), { 'idempotency-key': k });
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('urn:problem:idempotency-key-reused');
    expect(await count('SELECT count(*) FROM agents')).toBe(agents);
  });

  it('answers 422 to the same key on another path', async () => {
    const k = key();
    const { body: agent } = await fx.http.post('/agents', agentBody(), { 'idempotency-key': k });
    expect((await fx.http.post(`/agents/${agent.id}/pause`, undefined, { 'idempotency-key': k })).status).toBe(422);
    expect(await count('SELECT count(*) FROM events WHERE aggregate_id = $1', [agent.id])).toBe(1);
  });

  it('answers 400, not 422, to a reused key whose new body is also invalid', async () => {
    const k = key();
    expect((await fx.http.post('/agents', agentBody(), { 'idempotency-key': k })).status).toBe(201);
    const invalid = await fx.http.post('/agents', { name: 7, version: '1' }, { 'idempotency-key': k });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: { field: string }) => error.field)).toContain('name');
  });

  it('stores no 400, so the corrected request may use the key', async () => {
    const k = key();
    expect((await fx.http.post('/agents', { name: '', version: '1' }, { 'idempotency-key': k })).status).toBe(400);
    expect(await storedKeys(k)).toBe(0);
    expect((await fx.http.post('/agents', agentBody(), { 'idempotency-key': k })).status).toBe(201);
    expect(await storedKeys(k)).toBe(1);
  });

  it('keeps the keys of two token subjects apart', async () => {
    const k = key();
    const other = fx.http.withToken(await signToken({ sub: 'another-operator', scope: 'commands:write' }));
    expect((await fx.http.post('/agents', agentBody(), { 'idempotency-key': k })).status).toBe(201);
    const second = await other.post('/agents', agentBody(), { 'idempotency-key': k });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(await storedKeys(k)).toBe(2);
  });
});
