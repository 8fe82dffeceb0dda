import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { STAFF_ROLES, type StaffRole } from '../../auth/roles';

export class CreateStaffDto {
  @ApiProperty({ example: 'Rosa Diaz' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'rosa@clinic.example' })
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiProperty({ enum: STAFF_ROLES })
  @IsIn(STAFF_ROLES)
  role: StaffRole;
}

export class PatchStaffDto {
  @ApiPropertyOptional({ enum: STAFF_ROLES })
  @IsOptional()
  @IsIn(STAFF_ROLES)
  role?: StaffRole;

  @ApiPropertyOptional({ description: 'false deactivates and signs the person out everywhere' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class StaffView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'Rosa Diaz' }) name: string;
  @ApiProperty({ example: 'rosa@clinic.example' }) email: string;
  @ApiProperty({ enum: STAFF_ROLES }) role: StaffRole;
  @ApiProperty() active: boolean;
  @ApiProperty({ description: 'passkeys registered' }) passkeys: number;
  @ApiProperty({ description: 'live console sessions (0: signed out)' }) sessions: number;
  @ApiProperty() createdAt: string;
}

export class CreatedStaffView extends StaffView {
  @ApiProperty({
    example: 'https://turnout.example/console/sign-in?token=sl_...',
    description: 'one-time link to register a passkey and sign in (15 minutes)',
  })
  signInUrl: string;
  @ApiProperty() signInUrlExpiresAt: string;
}

export class StaffPage {
  @ApiProperty({ type: [StaffView] }) items: StaffView[];
}
