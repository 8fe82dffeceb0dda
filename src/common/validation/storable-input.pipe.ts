import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { unstorablePaths } from '../text/storable-text';

const PER_ITEM = Symbol('validatedPerItem');

/**
 * Marks a batch property whose items are validated one by one: a bad item is reported in its
 * own result rather than failing the whole request, so the pipe below leaves it to them.
 */
export function ValidatedPerItem(): PropertyDecorator {
  return (target, property) => {
    const ctor = target.constructor as { [PER_ITEM]?: Set<string | symbol> };
    ctor[PER_ITEM] = new Set([...(ctor[PER_ITEM] ?? []), property]);
  };
}

export function unstorableMessage(path: string): string {
  return `${path} must not contain NUL characters or unpaired UTF-16 surrogates`;
}

/**
 * Every string of every body, query and path parameter must be text PostgreSQL can store as
 * sent: otherwise the database refuses it, or silently stores something else, only after the
 * request was judged valid. Runs before the ValidationPipe; a 400 names each field.
 */
@Injectable()
export class StorableInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const perItem = (metadata.metatype as { [PER_ITEM]?: Set<string> } | undefined)?.[PER_ITEM];
    const checked =
      perItem && typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).filter(([key]) => !perItem.has(key)))
        : value;
    const paths = unstorablePaths(checked, metadata.type === 'body' ? '' : (metadata.data ?? ''));
    if (paths.length > 0) throw new BadRequestException(paths.map(unstorableMessage));
    return value;
  }
}
