import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import {
  MESSAGE_STATUS_DESCRIPTION,
  OUTBOUND_MESSAGE_STATUSES,
} from '../../messaging/message-statuses';

export class SimulateInboundDto {
  @ApiProperty({ example: '(312) 555-0123', description: "read with the clinic's defaultCountry" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  from: string;

  @ApiProperty({ example: 'C', maxLength: 1600 })
  @IsString()
  @MaxLength(1600)
  body: string;
}

export class SimulatedInboundView {
  @ApiProperty({ example: 'sim_x2p...', description: 'the simulated provider message id' })
  providerMessageId: string;
  @ApiProperty({ example: '+13125550123' }) from: string;
  @ApiProperty({ example: '+13125550100', description: "the clinic's senderNumber" }) to: string;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ enum: ['accepted'], description: 'processed asynchronously, like a webhook' })
  status: 'accepted';
}

export class OutboxQuery {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class OutboxItemView {
  @ApiProperty() id: string;
  @ApiProperty({ example: '+13125550123' }) to: string;
  @ApiProperty({ example: '+13125550100' }) from: string;
  @ApiProperty() body: string;
  @ApiProperty({ enum: OUTBOUND_MESSAGE_STATUSES, description: MESSAGE_STATUS_DESCRIPTION })
  status: string;
  @ApiProperty() segments: number;
  @ApiProperty({ description: 'when it was handed to the provider (created, while pending)' })
  at: string;
  @ApiProperty({ example: 'reminder' }) kind: string;
  @ApiProperty({ type: String, nullable: true }) appointmentId: string | null;
  @ApiProperty({ type: String, nullable: true }) providerMessageId: string | null;
}

export class OutboxView {
  @ApiProperty({ type: [OutboxItemView], description: 'newest first' }) items: OutboxItemView[];
}
