/**
 * The claim of due work, as one statement (one short transaction): lock due rows no one else
 * has locked (SKIP LOCKED, so instances never wait on each other), mark them ours until the
 * lease ends, and read back what processing them needs, joined in the same round trip.
 *
 * Parameters of the statement, the same for every kind of work:
 *   $1 now, $2 lease end, $3 the claiming instance, $4 the most rows to take,
 *   $5 whether to also take rows whose holder's lease ran out (`expired`), looked for only now
 *      and then: the index of leases keeps dead entries until vacuum, and walking past them at
 *      every claim would cost more than the rest of the claim.
 * Every table claimed this way has `lease_until` and `leased_by` columns.
 */
export interface DueClaimSpec {
  table: string;
  /** rows due now and free, over alias `t` (uses $1) */
  due: string;
  /** the order they are taken in, over alias `t` */
  order: string;
  /** rows whose holder died (uses $1); omitted when the work settles those another way */
  expired?: { where: string; order: string };
  /** assignments besides the lease, over the claimed row `w` */
  set?: string;
  /** more FROM items for the RETURNING list, and how they join `w` */
  join?: { from: string; on: string };
  /** the columns to read back, over `w` and the joined items */
  returning: string;
}

export function dueClaimSql(spec: DueClaimSpec): string {
  const expired = spec.expired
    ? `, expired AS (
    SELECT t.id FROM ${spec.table} t
    WHERE $5::boolean AND ${spec.expired.where}
    ORDER BY ${spec.expired.order}
    LIMIT $4
    FOR UPDATE OF t SKIP LOCKED
  ), claimed AS (
    SELECT id FROM due UNION SELECT id FROM expired LIMIT $4
  )`
    : `, claimed AS (SELECT id FROM due WHERE $5::boolean OR true)`;
  const set = spec.set ? `, ${spec.set}` : '';
  const from = spec.join ? `, ${spec.join.from}` : '';
  const on = spec.join ? ` AND ${spec.join.on}` : '';
  return `
  WITH due AS (
    SELECT t.id FROM ${spec.table} t
    WHERE ${spec.due}
    ORDER BY ${spec.order}
    LIMIT $4
    FOR UPDATE OF t SKIP LOCKED
  )${expired}
  UPDATE ${spec.table} w
  SET lease_until = $2, leased_by = $3${set}
  FROM claimed c${from}
  WHERE w.id = c.id${on}
  RETURNING ${spec.returning}`;
}
