/**
 * One worker of the relay scenario in a process of its own: runWorker (libs/agent-worker)
 * on AGENT_ID's work queue, CONCURRENCY tasks at once, a handler that returns at once.
 * GET /ready answers 200 once the consumer is subscribed, GET /stats the worker's
 * counters; SIGTERM stops the worker (tasks in flight finish) and exits 0.
 *
 * Environment: AMQP_URL, AGENT_ID, WRITE_URL, TOKEN, CONCURRENCY, PORT, HOST.
 */
import { createServer } from 'node:http';
import { runWorker } from '@app/agent-worker';

const quiet = { info: () => undefined, warn: (message: string) => console.warn(message), error: (message: string) => console.error(message) };
const worker = runWorker({
  agentId: process.env.AGENT_ID!,
  writeUrl: process.env.WRITE_URL!,
  token: process.env.TOKEN!,
  amqpUrl: process.env.AMQP_URL!,
  concurrency: Number(process.env.CONCURRENCY ?? '8'),
  logger: quiet,
  handle: async () => ({ done: true }),
});
let ready = false;
void worker.ready.then(() => {
  ready = true;
});

const server = createServer((request, response) => {
  if (request.url === '/ready') {
    response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ready }));
  } else if (request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(worker.stats));
  } else {
    response.writeHead(404);
    response.end();
  }
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

process.once('SIGTERM', () => {
  void (async () => {
    await worker.stop();
    console.log(`worker stopped: ${JSON.stringify(worker.stats)}`);
    server.close();
    process.exit(0);
  })();
});
