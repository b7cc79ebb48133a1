export type { DashboardSettings } from './dashboard-app.ts';
export { createDashboard } from './dashboard-app.ts';
