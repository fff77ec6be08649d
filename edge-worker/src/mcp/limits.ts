import { CHUNK_LIMITS } from "@ytt/shared";

/**
 * Bounds of get_transcript's maxTokens and of MCP_PAGE_TOKENS. Every page carries its own header
 * (front matter, or the JSON video and track), so a page much under a thousand tokens would be
 * mostly header; the top is the chunker's, so the REST chunks and the MCP pages share one ceiling.
 */
export const MCP_MAX_TOKENS = { min: 1000, max: CHUNK_LIMITS.tokens.max } as const;

/**
 * The largest POST /mcp body. A request is one JSON-RPC message: a tool call's arguments are bounded
 * well under this (a video reference of at most 2048 characters, a 200-character query, a short
 * cursor), as is initialize's client name and capabilities; a larger body is no client's, and is
 * refused before it is parsed.
 */
export const MCP_MAX_BODY_BYTES = 64 * 1024;
