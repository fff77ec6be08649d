import { createHash, webcrypto, X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as x509 from "@peculiar/x509";

/**
 * The double's TLS identity: a test-only certificate authority and one server certificate for
 * every host the double impersonates. Kept on disk (git-ignored) and reused, so that a process
 * started with NODE_EXTRA_CA_CERTS pointing at the CA file trusts every later double too, and the
 * browser gets the server key's SPKI hash for --ignore-certificate-errors-spki-list.
 */

/** Every host the double answers for, by the request's Host (or SNI). */
export const IMPERSONATED_HOSTS = [
  "www.youtube.com",
  "youtube.com",
  "m.youtube.com",
  "consent.youtube.com",
  "www.google.com",
  "jnn-pa.googleapis.com",
  "youtubei.googleapis.com",
  "i.ytimg.com",
  "*.googlevideo.com",
] as const;

export const DEFAULT_TLS_DIR = fileURLToPath(new URL("../../.stack/double-tls/", import.meta.url));

export interface DoubleTls {
  /** The server certificate (PEM) and its private key. */
  cert: string;
  key: string;
  /** The CA file to give Node processes as NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** base64 SHA-256 of the server key's SubjectPublicKeyInfo: the value of UPSTREAM_TRUSTED_SPKI. */
  spki: string;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const FILES = { caCert: "ca.pem", cert: "server.pem", key: "server-key.pem" };

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

function pem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${body.trim()}\n-----END ${label}-----\n`;
}

export function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

async function generate(dir: string): Promise<void> {
  const notBefore = new Date(Date.now() - 86_400_000);
  const notAfter = new Date(Date.now() + 5 * 365 * 86_400_000);
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=yt-transcript-headless YouTube double test CA",
    notBefore,
    notAfter,
    keys: caKeys as CryptoKeyPair,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const serverKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=www.youtube.com",
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: (serverKeys as CryptoKeyPair).publicKey,
    signingKey: (caKeys as CryptoKeyPair).privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        IMPERSONATED_HOSTS.map((value) => ({ type: "dns" as const, value })),
      ),
    ],
  });
  const keyDer = await webcrypto.subtle.exportKey("pkcs8", (serverKeys as CryptoKeyPair).privateKey);
  writeFileSync(join(dir, FILES.caCert), ca.toString("pem"));
  writeFileSync(join(dir, FILES.cert), `${server.toString("pem")}\n${ca.toString("pem")}`);
  writeFileSync(join(dir, FILES.key), pem("PRIVATE KEY", keyDer), { mode: 0o600 });
}

function read(dir: string): DoubleTls {
  const cert = readFileSync(join(dir, FILES.cert), "utf8");
  return {
    cert,
    key: readFileSync(join(dir, FILES.key), "utf8"),
    caFile: join(dir, FILES.caCert),
    spki: spkiHash(cert),
  };
}

/**
 * The double's certificates from `dir`, generated on first use. Processes racing to create them
 * (two test files starting at once) each write to a temporary folder and rename it into place; the
 * loser reads the winner's files, so everyone agrees on one CA.
 */
export async function ensureDoubleTls(dir = DEFAULT_TLS_DIR): Promise<DoubleTls> {
  try {
    const tls = read(dir);
    if (new X509Certificate(tls.cert).validToDate.getTime() > Date.now() + 86_400_000) return tls;
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // not there yet (or unreadable): make it
  }
  mkdirSync(dirname(dir), { recursive: true });
  const staging = mkdtempSync(join(dirname(dir), ".double-tls-"));
  try {
    await generate(staging);
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (
      !(error as NodeJS.ErrnoException).code?.startsWith("ENOTEMPTY") &&
      (error as NodeJS.ErrnoException).code !== "EEXIST"
    )
      throw error;
  }
  return read(dir);
}
