import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { HasUniqueItems, IsIsoDuration, IsOmittable } from '../../common/validation/validators';

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

export class VariantTemplatesDto {
  @ApiProperty({ example: '{clinic}: appointment {day} at {time}. Reply C to confirm.' })
  @IsString()
  @MaxLength(1000)
  @Matches(/\S/, { message: '$property must not be blank' })
  en: string;

  @ApiProperty({ example: '{clinic}: cita el {day} a las {time}. Responda C para confirmar.' })
  @IsString()
  @MaxLength(1000)
  @Matches(/\S/, { message: '$property must not be blank' })
  es: string;
}

export class VariantDto {
  @ApiProperty({ example: 'cost', description: 'lower-case letters, digits, - and _; unique' })
  @IsString()
  @Matches(/^[a-z0-9_-]{1,40}$/, {
    message: '$property must be 1 to 40 lower-case letters, digits, - or _',
  })
  key: string;

  @ApiPropertyOptional({
    type: VariantTemplatesDto,
    description:
      'the reminder text in English and Spanish, with the placeholders of the default reminder ' +
      '({clinic} {day} {time}) and no others; replaces the reminder (not the "see you" text a ' +
      'confirmed patient gets)',
  })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => VariantTemplatesDto)
  templates?: VariantTemplatesDto;

  @ApiPropertyOptional({
    example: ['P3D', 'P1D'],
    type: [String],
    description: "replaces the clinic's reminderOffsets for this variant's appointments",
  })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @HasUniqueItems()
  @IsIsoDuration({ each: true })
  reminderOffsets?: string[];
}

export class CreateExperimentDto {
  @ApiProperty({ example: 'cost of a missed visit' })
  @IsString()
  @MaxLength(200)
  @Matches(/\S/, { message: '$property must not be blank' })
  name: string;

  @ApiProperty({
    type: [VariantDto],
    description: 'two to five variants; the first is the one the others are compared with',
  })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  @Type(() => VariantDto)
  variants: VariantDto[];

  @ApiPropertyOptional({
    example: [1, 1],
    type: [Number],
    description: 'one positive weight per variant (default all equal)',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(5)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  @IsPositive({ each: true })
  @Max(1000, { each: true })
  weights?: number[];

  @ApiProperty({ example: '2026-12-08', description: "first local date (the clinic's zone)" })
  @IsString()
  @Matches(LOCAL_DATE, { message: '$property must be a calendar date YYYY-MM-DD' })
  startsOn: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: null,
    description: "last local date, inclusive (the clinic's zone); null runs until ended",
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Matches(LOCAL_DATE, { message: '$property must be a calendar date YYYY-MM-DD' })
  endsOn?: string | null;
}

export class TemplateCheckView {
  @ApiProperty({ enum: ['GSM-7', 'UCS-2'] }) encoding: string;
  @ApiProperty({ description: "segments on the longest day and time, with the clinic's name" })
  segments: number;
  @ApiProperty({ description: 'GSM-7 septets or UTF-16 units of that longest text' })
  units: number;
}

export class TemplateChecksView {
  @ApiProperty({ type: TemplateCheckView }) en: TemplateCheckView;
  @ApiProperty({ type: TemplateCheckView }) es: TemplateCheckView;
}

export class VariantView {
  @ApiProperty() key: string;
  @ApiPropertyOptional({ type: VariantTemplatesDto }) templates?: VariantTemplatesDto;
  @ApiPropertyOptional({ type: [String] }) reminderOffsets?: string[];
  @ApiPropertyOptional({ type: TemplateChecksView }) templateChecks?: TemplateChecksView;
}

export class ExperimentView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({
    enum: ['scheduled', 'running', 'ended'],
    description: "from startsOn, endsOn (the clinic's local dates) and an explicit end",
  })
  status: string;
  @ApiProperty({ type: [VariantView] }) variants: VariantView[];
  @ApiProperty({ type: [Number] }) weights: number[];
  @ApiProperty() startsOn: string;
  @ApiProperty({ type: String, nullable: true }) endsOn: string | null;
  @ApiProperty({ type: String, nullable: true }) endedAt: string | null;
  @ApiProperty() createdAt: string;
}

export class ExperimentListView {
  @ApiProperty({ type: [ExperimentView], description: 'newest first' }) items: ExperimentView[];
}

export class ReadyTemplateView {
  @ApiProperty({ example: 'cost' }) key: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'the study the wording comes from' }) source: string;
  @ApiProperty({ type: VariantTemplatesDto }) templates: VariantTemplatesDto;
}

export class ReadyTemplateListView {
  @ApiProperty({ type: [ReadyTemplateView] }) items: ReadyTemplateView[];
}

export class IntervalView {
  @ApiProperty() low: number;
  @ApiProperty() high: number;
}

export class ComparisonView {
  @ApiProperty({ description: 'the first variant, which this one is compared with' })
  against: string;
  @ApiProperty({ description: "this variant's no-show rate minus the first variant's" })
  difference: number;
  @ApiProperty({
    type: IntervalView,
    description: "95% interval of the difference: Newcombe's hybrid score interval (method 10)",
  })
  differenceInterval: IntervalView;
  @ApiProperty({ description: 'two-sided' }) pValue: number;
  @ApiProperty({
    enum: ['fisher_exact', 'chi_square'],
    description:
      "Fisher's exact test when an expected count is below 5, else Pearson's chi-square " +
      'without continuity correction',
  })
  test: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'finished visits per variant to detect the observed difference with 80% power at a ' +
      'two-sided alpha of 0.05; null when the difference is 0',
  })
  neededPerVariant: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'how many more finished visits each variant needs to reach neededPerVariant',
  })
  moreNeededPerVariant: number | null;
}

export class VariantResultView {
  @ApiProperty() key: string;
  @ApiProperty({ description: 'appointments assigned to the variant' }) appointments: number;
  @ApiProperty({ description: 'status arrived or completed' }) attended: number;
  @ApiProperty({ description: 'status no_show' }) noShows: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'noShows / (attended + noShows); null when that is 0',
  })
  noShowRate: number | null;
  @ApiProperty({
    type: IntervalView,
    nullable: true,
    description: '95% Wilson score interval of noShowRate',
  })
  noShowRateInterval: IntervalView | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'share of the appointments the patient confirmed by text (as the no-show report)',
  })
  confirmedRate: number | null;
  @ApiProperty({
    type: ComparisonView,
    nullable: true,
    description:
      'against the first variant; null for the first and while either has no finished visit',
  })
  comparison: ComparisonView | null;
  @ApiProperty({ type: String, nullable: true, description: 'the comparison in plain words' })
  sentence: string | null;
}

export class ExperimentResultsView {
  @ApiProperty() experimentId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['scheduled', 'running', 'ended'] }) status: string;
  @ApiProperty({ type: [VariantResultView] }) variants: VariantResultView[];
  @ApiProperty({ description: 'the sentences of the comparisons, joined' }) summary: string;
}
