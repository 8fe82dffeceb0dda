import { ApiProperty } from '@nestjs/swagger';

/** Every error answer, whatever the status (see AllExceptionsFilter). */
export class ErrorResponse {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request', description: 'the status reason phrase' })
  error: string;

  @ApiProperty({
    type: [String],
    example: ['startsAt must be an ISO 8601 date-time'],
    description: 'one or more human-readable problems, each naming the field or cause',
  })
  message: string[];
}
