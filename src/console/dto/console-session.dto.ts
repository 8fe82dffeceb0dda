import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class ConsoleSignInDto {
  @ApiProperty({ example: 'tk_...', description: 'the clinic API key; used once, never stored' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  apiKey: string;
}
