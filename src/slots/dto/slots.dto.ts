import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ValidatedPerItem } from '../../common/validation/storable-input.pipe';
import { IsOmittable } from '../../common/validation/validators';

export class SlotInputDto {
  @ApiProperty({ example: 'Dr. Kim' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  practitioner: string;

  @ApiPropertyOptional({ example: 'Main St' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  location?: string;

  @ApiProperty({ example: '2026-12-03T10:00:00-06:00' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  startsAt: string;

  @ApiPropertyOptional({ example: 30, default: 30 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(1440)
  durationMinutes?: number;
}

export class SlotsBatchDto {
  @ApiProperty({ type: [SlotInputDto], maxItems: 5000 })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(5000)
  @ValidatedPerItem()
  slots: unknown[];
}

export class SlotResult {
  @ApiProperty() index: number;
  @ApiProperty({ type: String, nullable: true }) id: string | null;
  @ApiProperty({ enum: ['created', 'updated', 'unchanged', 'error'] }) outcome: string;
  @ApiPropertyOptional({ type: [String] }) errors?: string[];
}

export class SlotsBatchResult {
  @ApiProperty({ type: [SlotResult] }) results: SlotResult[];
}

export class ListSlotsQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) from?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) to?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) practitioner?: string;
}

export class SlotView {
  @ApiProperty() id: string;
  @ApiProperty() practitioner: string;
  @ApiProperty({ type: String, nullable: true }) location: string | null;
  @ApiProperty() startsAt: string;
  @ApiProperty() endsAt: string;
  @ApiProperty() durationMinutes: number;
}

export class SlotList {
  @ApiProperty({ type: [SlotView] }) items: SlotView[];
}
