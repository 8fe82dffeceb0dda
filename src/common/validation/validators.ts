import { ValidateIf, ValidationOptions, registerDecorator } from 'class-validator';
import { isSupportedCountry } from '../phone/phone';
import { officeHoursProblem } from '../time/office-hours';
import {
  isPositiveDuration,
  isWithinMaxOffset,
  MAX_OFFSET_DAYS,
  parseIsoDuration,
} from '../time/iso-duration';
import { isValidTimeZone } from '../time/starts-at';

function simple(
  name: string,
  test: (value: unknown) => boolean,
  message: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property ${message}`, ...options },
      validator: { validate: test },
    });
}

/** An IANA time zone name such as America/Chicago. */
export const IsTimeZone = (o?: ValidationOptions) =>
  simple(
    'isTimeZone',
    (v) => typeof v === 'string' && isValidTimeZone(v),
    'must be an IANA time zone such as America/Chicago',
    o,
  );

/** A two-letter country code that phone numbering knows. */
export const IsPhoneCountry = (o?: ValidationOptions) =>
  simple(
    'isPhoneCountry',
    (v) => typeof v === 'string' && /^[A-Z]{2}$/.test(v) && isSupportedCountry(v),
    'must be a supported ISO 3166-1 alpha-2 country code such as US',
    o,
  );

/** A positive ISO 8601 duration down to seconds, at most 400 days: P2D, PT2H, PT30S. */
export const IsIsoDuration = (o?: ValidationOptions) =>
  simple(
    'isIsoDuration',
    (v) => {
      if (typeof v !== 'string') return false;
      const d = parseIsoDuration(v);
      return d !== null && isPositiveDuration(d) && isWithinMaxOffset(d);
    },
    `must be a positive ISO 8601 duration of at most ${MAX_OFFSET_DAYS} days such as P2D or PT2H`,
    o,
  );

/** A 24-hour local clock time HH:mm. */
export const IsClockTime = (o?: ValidationOptions) =>
  simple(
    'isClockTime',
    (v) => typeof v === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(v),
    'must be a time of day HH:mm (24-hour)',
    o,
  );

/** `officeHours`: days mon..sun, each ["HH:mm", "HH:mm"] opening before closing, or null. */
export const IsOfficeHours = (o?: ValidationOptions): PropertyDecorator => {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isOfficeHours',
      target: target.constructor,
      propertyName: propertyName as string,
      options: o,
      validator: {
        validate: (value: unknown) => officeHoursProblem(value) === null,
        defaultMessage: (args) => {
          const found = officeHoursProblem(args?.value);
          const where = found?.day ? `${args?.property}.${found.day}` : `${args?.property}`;
          return `${where} ${found?.problem ?? 'is not valid'}`;
        },
      },
    });
};

/**
 * The field may be left out, but `null` is not "left out": unlike `IsOptional`, a null goes on
 * to the field's rules and is refused by them (`name must be a string`). Fields the contract
 * lets a client clear with null use `IsOptional` plus an explicit null rule instead.
 */
export const IsOmittable = (o?: ValidationOptions) =>
  ValidateIf((_object, value) => value !== undefined, o);

/**
 * No two items equal, checked in linear time: class-validator's `ArrayUnique` compares every
 * pair, and it runs even when the size rule already failed, so 100,000 items froze the process.
 */
export const HasUniqueItems = (o?: ValidationOptions) =>
  simple(
    'hasUniqueItems',
    (v) => Array.isArray(v) && new Set(v).size === v.length,
    'must not contain duplicates',
    o,
  );

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** An absolute URL that is https, or http only to this machine (a local test server). */
export function isHttpsOrLoopbackUrl(v: unknown): boolean {
  if (typeof v !== 'string' || v.length > 2000) return false;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return (
    url.protocol === 'http:' && (LOOPBACK_HOSTS.has(url.hostname) || /^127\./.test(url.hostname))
  );
}

export const IsHttpsOrLoopbackUrl = (o?: ValidationOptions) =>
  simple(
    'isHttpsOrLoopbackUrl',
    isHttpsOrLoopbackUrl,
    'must be an https URL (http only to a loopback address), without credentials in it',
    o,
  );
