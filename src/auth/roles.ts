import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiErrors } from '../common/openapi/api-errors.decorator';

/** What a person at a clinic may do (API.md, Staff accounts and audit). */
export type StaffRole = 'staff' | 'admin';
export const STAFF_ROLES: readonly StaffRole[] = ['staff', 'admin'];

/**
 * Who made a request: a person signed in with their passkey, or the clinic API key (an
 * integration, with an admin's rights), or Turnout itself for its own due work.
 */
export type Actor =
  | { type: 'person'; id: string; name: string; role: StaffRole }
  | { type: 'integration'; role: 'admin' }
  | { type: 'system' };

export const ROLE_METADATA = 'turnout:least-role';

const RANK: Record<StaffRole, number> = { staff: 1, admin: 2 };

/**
 * The least role a route wants, read by ClinicKeyGuard. A route without one wants `admin`, so
 * a route added later is closed to staff until someone decides otherwise.
 */
export const LeastRole = (role: StaffRole) =>
  applyDecorators(SetMetadata(ROLE_METADATA, role), ApiErrors(403));

export function roleAllows(actorRole: StaffRole, needed: StaffRole): boolean {
  return RANK[actorRole] >= RANK[needed];
}
