import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsString, Matches } from 'class-validator';

export class PasskeyLinkDto {
  @ApiProperty({ example: 'sl_...', description: 'the token of the person’s sign-in link' })
  @IsString()
  @Matches(/^sl_[A-Za-z0-9_-]{43}$/, { message: 'token must be a sign-in link token' })
  token: string;
}

export class PasskeyRegistrationDto extends PasskeyLinkDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'what navigator.credentials.create answered, as @simplewebauthn/browser gives it',
  })
  @IsObject()
  response: Record<string, unknown>;
}

export class PasskeySignInDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'what navigator.credentials.get answered, as @simplewebauthn/browser gives it',
  })
  @IsObject()
  response: Record<string, unknown>;
}

/** WebAuthn options for the browser, as @simplewebauthn/server makes them. */
export class PasskeyOptionsView {
  @ApiProperty({ description: 'base64url, used once within 5 minutes' }) challenge: string;
  [key: string]: unknown;
}
