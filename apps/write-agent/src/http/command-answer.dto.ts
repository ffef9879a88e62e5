import { ApiProperty } from '@nestjs/swagger';

/** The body of every successful command answer. */
export class CommandAnswer {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 1, description: 'The aggregate revision after the command; also the ETag.' })
  revision: number;
  @ApiProperty({
    example: '7521.1042',
    description: 'Consistency token: send it as X-Min-Position to a read agent to read your own write.',
  })
  position: string;
}
