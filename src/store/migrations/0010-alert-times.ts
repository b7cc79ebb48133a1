/**
 * When the event a delivery reports happened (an alert's firing time), so the time from an alert to the
 * diagnosis of the task it started can be measured; null for deliveries without one.
 */
export const ALERT_TIMES = 'ALTER TABLE webhook_deliveries ADD COLUMN occurred_at TEXT;';
