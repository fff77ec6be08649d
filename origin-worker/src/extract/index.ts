export {
  createEngine,
  DEFAULT_STRATEGIES,
  type Engine,
  type EngineOptions,
  type RunOptions,
} from "./engine.js";
export { RouteFailed, type Strategy, type StrategyJob } from "./strategies/strategy.js";
