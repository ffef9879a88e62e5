import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { OperationObject, PathsObject } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../auth/required-scope.decorator.js';
import { sendProblem } from '../errors/send-problem.js';
import { RequestGate } from '../rate-limit/request-gate.js';

export interface DirectRoute {
  /** A Fastify path, e.g. `/agents/:id`. */
  url: string;
  scope: Scope;
  /** Answers the request: returns the body to send (undefined for none), or throws. */
  handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  /** Its entry in the OpenAPI document, and the schema classes the entry refers to. */
  openApi: { operation: OperationObject; models: Function[] };
}

/** What the OpenAPI document needs to show the direct routes. */
export interface DirectRoutesOpenApi {
  paths: PathsObject;
  models: Function[];
}

/**
 * GET routes served by Fastify without Nest's router, for the hottest reads (ADR 0002).
 * They keep what every route has: the same bearer token check and rate limit as the
 * guard (RequestGate), problem+json errors as the filter, and the request id, access log and metrics
 * of the Fastify hooks (create-http-app.ts). Pipes, interceptors and guards do not run:
 * a route validates its own input.
 */
@Injectable()
export class DirectRoutes {
  private readonly documented: DirectRoutesOpenApi = { paths: {}, models: [] };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly gate: RequestGate,
  ) {}

  /** The registered routes' OpenAPI (paths written as OpenAPI does: `/agents/{id}`). */
  get openApi(): DirectRoutesOpenApi {
    return this.documented;
  }

  /** Registers a GET (and its HEAD); call it before the application listens. */
  get(route: DirectRoute): void {
    this.documented.paths[route.url.replace(/:(\w+)/g, '{$1}')] = { get: route.openApi.operation };
    this.documented.models.push(...route.openApi.models);
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.get(route.url, async (request, reply) => {
      try {
        await this.gate.admit(request, route.scope);
        return reply.send(await route.handle(request, reply));
      } catch (error) {
        return sendProblem(request, reply, error);
      }
    });
  }
}
