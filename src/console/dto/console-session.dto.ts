import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class ConsoleSignInDto {
  @ApiProperty({ example: 'tk_...', description: 'the clinic API key; used once, never stored' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  apiKey: string;
}

export class SignInLinkView {
  @ApiProperty({
    example: 'https://turnout.example/console/sign-in?token=sl_...',
    description: 'opens the console signed in as this clinic; works once',
  })
  url: string;
  @ApiProperty({ description: 'unused links stop working then (15 minutes)' }) expiresAt: string;
}

export class SignedInView {
  @ApiProperty({ enum: ['person', 'integration'] }) actor: 'person' | 'integration';
  @ApiProperty({ nullable: true, type: String, description: 'the staff member' }) id: string | null;
  @ApiProperty({ example: 'Rosa Diaz' }) name: string;
  @ApiProperty({ enum: ['staff', 'admin'] }) role: 'staff' | 'admin';
}
