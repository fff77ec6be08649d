export {
  createEngine,
  type Engine,
  type EngineOptions,
  type RunOptions,
} from "./engine.js";
export { createRouteHealth, type RouteHealth, type RouteOutcome } from "./route-health.js";
export { RouteFailed, type Strategy, type StrategyJob } from "./strategies/strategy.js";
