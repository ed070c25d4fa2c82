/** The local web dashboard (`rl dashboard`): live curves, the cluster view, episodes in the browser. */
export { type Dashboard, type DashboardOptions, startDashboard } from './dashboard-server.js';
export { DRAWABLE_ENVS, playEpisode, type RecordedEpisode } from './play-episode.js';
export { listRuns, RUNNING_WITHIN_MS, type RunSummary } from './run-index.js';
