/** Shared by the vitest config (Node), the origin stand-in (Node) and the tests (workerd). */
export const TEST_SIGNING_KEY_ID = "edge-test";
export const TEST_SIGNING_SECRET = "test-signing-secret-0123456789abcdef";
export const TEST_ACCESS = { clientId: "access-id.test", clientSecret: "access-secret-test" };
/** The origin workers' key for their calls to the edge (ORIGIN_LINK_KEY_ID comes from wrangler.jsonc). */
export const TEST_ORIGIN_LINK_SECRET = "test-origin-link-secret-0123456789abcdef";
