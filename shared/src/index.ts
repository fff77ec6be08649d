export * from "./caller.js";
export * from "./chunk.js";
export * from "./errors.js";
export * from "./render.js";
export * from "./request.js";
export * from "./signing.js";
export * from "./transcript.js";
export * from "./video-ref.js";
