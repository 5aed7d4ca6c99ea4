/**
 * Who may talk to the inspector. Runs carry business data (inputs, outputs, errors), so: loopback
 * by default; any other address only with a token; and, without a token, requests must name a
 * loopback host (a page on another site cannot reach the inspector through DNS rebinding) and the
 * page's socket must come from the page itself.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Whether a bind address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(?:\.\d{1,3}){3}$/.test(bare) || bare === "::ffff:127.0.0.1";
}

/** Throws when the inspector would listen beyond this machine without a token. */
export function assertSafeBinding(host: string, token: string | undefined): void {
  if (token !== undefined) {
    if (typeof token !== "string" || token.trim() === "") {
      throw new TypeError(`Expected \`token\` to be a non-empty string, got ${describeToken(token)}`);
    }
    return;
  }
  if (!isLoopback(host)) {
    throw new Error(
      `Refusing to start the inspector on ${host} without a token: anyone who can reach this address could read ` +
        `every run's input, data and errors. Pass { token } (then open the page with ?token=…) or bind to 127.0.0.1.`,
    );
  }
}

/** The token a request carries: `?token=…` or `Authorization: Bearer …`. */
export function tokenOf(request: IncomingMessage, url: URL): string | null {
  // The auth scheme is case-insensitive (RFC 9110 §11.1): `bearer …` is as good as `Bearer …`.
  const bearer = /^bearer\s+(.+)$/i.exec(request.headers.authorization ?? "");
  if (bearer?.[1]) return bearer[1].trim();
  return url.searchParams.get("token");
}

/** Compares tokens in constant time. */
export function tokensMatch(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Without a token, the `Host` header must name this machine (DNS rebinding protection). */
export function hostAllowed(request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (!host) return true;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
  return isLoopback(name);
}

/** A page's socket must come from a page of the inspector itself (browsers send `Origin`; other clients do not). */
export function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

function describeToken(token: unknown): string {
  return typeof token === "string" ? JSON.stringify(token) : typeof token;
}
