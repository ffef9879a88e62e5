import { ValidationPipe, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { corsConfig } from '../config/cors.config.js';
import { httpConfig } from '../config/http.config.js';
import { fastifyTrustProxy } from '../config/trust-proxy.js';
import { problem, PROBLEM_CONTENT_TYPE } from '../errors/problem.js';
import { ProblemFilter } from '../errors/problem.filter.js';
import { validationProblem } from '../errors/validation-problem.js';
import { PinoNestLogger } from '../logging/pino-nest-logger.js';
import { collectProcessMetrics, requestDurationOf } from '../metrics/http-metrics.js';
import { BODY_LIMIT_BYTES, registerBodyParsers } from './body-parsers.js';
import { closeConnectionsWhileDraining } from './draining.js';
import { BodyShapePipe } from './body-shape.pipe.js';
import { DirectRoutes, type DirectRoutesOpenApi } from './direct-routes.js';
import { requestIdOf } from './request-id.js';
import { registerSecurityHeaders, securityHeaders } from './security-headers.js';

export interface HttpAppOptions {
  module: Type<unknown>;
  logger: Logger;
  title: string;
  description: string;
}

/**
 * Builds an agent's Nest application on Fastify with everything both agents share:
 * security headers and CORS, request ids, JSON body rules, problem+json errors,
 * validation, access logs, request metrics and the OpenAPI document at /docs and /docs-json.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<NestFastifyApplication> {
  // Validated already by checkEnvironment (run-agent.ts); read here for the framework errors.
  const withSecurityHeaders = securityHeaders(corsConfig());
  const adapter = new FastifyAdapter({
    loggerInstance: options.logger,
    // One access-log line per request is written in onResponse below.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdOf,
    // Behind the gateway every connection comes from it: only with TRUST_PROXY does
    // request.ip (the rate limit's client address, the access log's) come from
    // X-Forwarded-For.
    trustProxy: fastifyTrustProxy(httpConfig().trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    // While draining, requests on open connections are still served (with
    // Connection: close, see listen-until-terminated.ts) rather than refused.
    return503OnClosing: false,
    // No Nest middleware is used; without middie, no request pays for its runner.
    skipMiddie: true,
    // Every path parameter is an id that its route validates (400, naming it); the
    // router's own limit (100 by default) would answer a longer one 414 instead. 16 KiB is
    // beyond any request line Node accepts (its header limit), so the router never does.
    routerOptions: { maxParamLength: 16 * 1024 },
    // The router refuses a URL it cannot decode before Nest sees the request; it leaves as
    // problem+json like every other error.
    frameworkErrors: (_error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      // The onRequest hooks do not run for these: the headers they set are set here.
      withSecurityHeaders(request, reply);
      void reply
        .status(400)
        .header('x-request-id', request.id)
        .type(PROBLEM_CONTENT_TYPE)
        .send(problem(400, 'The request URL could not be read.'));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, {
    logger: new PinoNestLogger(options.logger),
    // Our own parsers (body-parsers.ts) decide what a malformed body becomes.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();

  registerBodyParsers(fastify);
  // Callback hooks, not async ones: they run on every request, and a promise each adds up.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  // Security headers and CORS on every answer; a CORS preflight is answered here.
  registerSecurityHeaders(fastify, withSecurityHeaders);
  closeConnectionsWhileDraining(fastify);
  fastify.addHook('onResponse', (request, reply, done) => {
    requestDurationOf(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode).observe(reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        responseTimeMs: reply.elapsedTime,
        remoteAddress: request.ip,
      },
      'request completed',
    );
    done();
  });
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(
    new BodyShapePipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      // Off so that a body-less command's empty DTO accepts {}; whitelist still refuses
      // every field it does not declare.
      forbidUnknownValues: false,
      transform: true,
      exceptionFactory: validationProblem,
    }),
  );
  collectProcessMetrics();
  // Initialized here, not at listen, so that the direct routes (registered while the
  // modules initialize) are in the OpenAPI document.
  await app.init();
  setUpOpenApi(app, options, app.get(DirectRoutes).openApi);
  return app;
}

function setUpOpenApi(app: INestApplication, options: HttpAppOptions, direct: DirectRoutesOpenApi): void {
  const config = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion('1.0')
    // Relative to where the document is served, so it holds behind any gateway or host name.
    .addServer('/')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: direct.models });
  document.paths = { ...document.paths, ...direct.paths };
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', useGlobalPrefix: false });
}
