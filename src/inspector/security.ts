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

/** An origin as browsers send it (`http://localhost:5173`), normalized; `null` when it is not one. */
export function normalizeOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * Whether a request's `Origin` may talk to the inspector: none (Node reporters, curl), the inspector's
 * own (its page), or one of `allowOrigins` (a dev server whose page reports runs from the browser).
 */
export function originAllowed(request: IncomingMessage, allowOrigins: ReadonlySet<string> = new Set()): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === null) return false;
  return new URL(normalized).host === request.headers.host || allowOrigins.has(normalized);
}

/** The page's own socket (`/ui`) only from the inspector's page itself: browsers send `Origin`, other clients do not. */
export function sameOrigin(request: IncomingMessage): boolean {
  return originAllowed(request);
}

/**
 * Whether a GET comes from another site's page (a `fetch`, an `<img>`, a `<script>`): refused for the
 * API, where a response could leak a run's data. Browsers say so in `Sec-Fetch-Site` and `Origin`;
 * a navigation (the user opening a link) is not such a request.
 */
export function crossSite(request: IncomingMessage, allowOrigins: ReadonlySet<string> = new Set()): boolean {
  if (!originAllowed(request, allowOrigins)) return true;
  const site = request.headers["sec-fetch-site"];
  if (site !== "cross-site" && site !== "same-site") return false;
  const origin = request.headers.origin;
  const normalized = origin === undefined ? null : normalizeOrigin(origin);
  return normalized === null || !allowOrigins.has(normalized);
}

function describeToken(token: unknown): string {
  return typeof token === "string" ? JSON.stringify(token) : typeof token;
}
