// The double's BotGuard interpreter (served at www.google.com/js/th/<hash>.js). The real VM runs
// the page's `program` and hands back a botguard response and, given the integrity token from
// GenerateIT, a WebPO minter (LuanRT/BgUtils: vm.a(program, callback, …), asyncSnapshotFunction,
// webPoSignalOutput[0](integrityToken) → mint(contentBinding)). Here the computation is a MAC under
// a secret that exists only in this script: a page that cannot load it cannot mint.
(() => {
  const SECRET = "__BG_SECRET__";
  const enc = new TextEncoder();
  const keyBytes = Uint8Array.from(atob(SECRET), (c) => c.charCodeAt(0));
  const key = crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = async (text) => new Uint8Array(await crypto.subtle.sign("HMAC", await key, enc.encode(text)));
  const b64url = (u) =>
    btoa(String.fromCharCode(...u))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/={1,2}$/, "");
  const concat = (a, b) => {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  window.__GLOBAL_NAME__ = {
    a(program, attFunctionsCallback) {
      const asyncSnapshotFunction = (done, args) => {
        (async () => {
          const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(program))).slice(
            0,
            16,
          );
          const signalOutput = args?.[2];
          if (Array.isArray(signalOutput)) {
            signalOutput[0] = async (integrityToken) => {
              const token = b64url(integrityToken);
              return async (binding) =>
                concat(integrityToken, await mac(`pot:${token}:${new TextDecoder().decode(binding)}`));
            };
          }
          done(b64url(concat(digest, await mac(`bg:${program}`))));
        })();
      };
      attFunctionsCallback(
        asyncSnapshotFunction,
        () => {},
        () => {},
        () => {},
      );
    },
  };
})();
