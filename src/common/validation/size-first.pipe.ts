import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { ARRAY_MAX_SIZE, getMetadataStorage, MAX_LENGTH } from 'class-validator';

/**
 * The size rules (`ArrayMaxSize`, `MaxLength`) of a DTO's own fields, checked before anything
 * else. class-validator runs every rule of a field even once one failed, so a list ten thousand
 * times too long would still be read item by item (uniqueness, format) before its length was
 * refused. Here the answer for it costs the same as for an empty list.
 */
@Injectable()
export class SizeFirstPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const target = metadata.metatype;
    if (metadata.type === 'custom' || !target || typeof value !== 'object' || value === null) {
      return value;
    }
    const fields = value as Record<string, unknown>;
    const problems: string[] = [];
    for (const rule of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
      if (rule.each) continue;
      const field = fields[rule.propertyName];
      const max = Number(rule.constraints?.[0]);
      if (rule.name === ARRAY_MAX_SIZE && Array.isArray(field) && field.length > max) {
        problems.push(`${rule.propertyName} must contain no more than ${max} elements`);
      } else if (rule.name === MAX_LENGTH && typeof field === 'string' && field.length > max) {
        problems.push(`${rule.propertyName} must be shorter than or equal to ${max} characters`);
      }
    }
    if (problems.length > 0) throw new BadRequestException(problems);
    return value;
  }
}
