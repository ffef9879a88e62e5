import type { AgentProcess } from './agent-process.js';

/** The first log line that matches, waiting for it: agents write their logs asynchronously. */
export async function waitForLogLine(
  agent: AgentProcess,
  matches: (line: Record<string, unknown>) => boolean,
  timeoutMs = 3_000,
): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = agent.logs().find(matches);
    if (line || Date.now() > deadline) return line;
    await new Promise((done) => setTimeout(done, 50));
  }
}
