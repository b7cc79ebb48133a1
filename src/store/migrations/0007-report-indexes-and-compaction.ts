/**
 * Indexes for reports aggregated in SQL (spend entries and outcomes by time, entries by reservation) and
 * the compaction of the reservations table. A booked call's entry now carries its reservation's id, which
 * is what makes settling twice book once, so a reservation's row is deleted once it is settled (or
 * released, or expired: a later settle books the same with or without that row). Rows settled by an
 * older version are deleted here when their entry exists; one settled without an entry stays, as the only
 * record that it was booked.
 */
export const REPORT_INDEXES_AND_COMPACTION = `CREATE INDEX spend_entries_at ON spend_entries (at);
   CREATE INDEX spend_entries_reservation ON spend_entries (reservation_id);
   CREATE INDEX task_outcomes_at ON task_outcomes (at);
   DELETE FROM spend_reservations WHERE state IN ('expired', 'released')
     OR (state = 'settled' AND id IN (SELECT reservation_id FROM spend_entries WHERE reservation_id IS NOT NULL));`;
