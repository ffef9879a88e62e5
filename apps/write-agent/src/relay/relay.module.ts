import { Module } from '@nestjs/common';
import { EventRelay } from './event-relay.js';
import { relayConfig } from './relay.config.js';

/** The event relay to RabbitMQ (docs/adr/0007); inert while AMQP_URL is unset. */
@Module({
  providers: [{ provide: relayConfig.KEY, useFactory: relayConfig }, EventRelay],
  exports: [EventRelay],
})
export class RelayModule {}
