import { ApiProperty } from '@nestjs/swagger';

/** An attachment of an inbound text: a link only, never fetched or embedded by Turnout. */
export class MediaView {
  @ApiProperty({ example: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1' })
  url: string;
  @ApiProperty({ type: String, nullable: true, example: 'image/jpeg' }) contentType: string | null;
}
