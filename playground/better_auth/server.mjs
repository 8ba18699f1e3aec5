// Serves auth.config.mjs on 127.0.0.1:PORT for the playground (playground/better_auth/launcher.py).
//
// Environment:
//   PORT                          port to listen on (0 = any free port; the URL is printed)
//   BETTER_AUTH_SECRET            required here: the playground never runs on the built-in default
//   BETTER_AUTH_URL               base URL (unset = Better Auth's Host-header behaviour)
//   BETTER_AUTH_TRUSTED_ORIGINS   comma-separated origins allowed to POST with cookies
//   PLAYGROUND_DEMO_PASSWORD      password of the demo users (demo-users.json); unset = no demo users
//   PLAYGROUND_BA_OPTIONS         JSON option overrides (see options.mjs)
//   PLAYGROUND_CONTROLS_TOKEN     set: exposes /__playground/* (state, keys/rotate, tokens; clock/shift
//                                 answers 501) to requests that send it as Authorization: Bearer;
//                                 unset: no teaching controls. Never in production
//   PLAYGROUND_CORS_ORIGINS       comma-separated page origins given CORS (unset = none, like Better Auth)
//   PLAYGROUND_LAUNCHER_PID       the launcher's pid: exit as soon as that process is gone
import { timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { toNodeHandler } from "better-auth/node";
import { createJwk, resolveSigningKey } from "better-auth/plugins";
import { SignJWT, UnsecuredJWT } from "jose";
import { createAuth, emptyTables } from "./auth.config.mjs";
import { parseOptions, toAuthArguments } from "./options.mjs";

const env = process.env;

function fail(message) {
  console.error(`playground better-auth: ${message}`);
  process.exit(2);
}

if (!env.BETTER_AUTH_SECRET) fail("BETTER_AUTH_SECRET is not set (the launcher generates one)");

// The launcher passes its pid. If that process dies without stopping us (a killed test worker, a
// crashed kernel), nothing would ever stop us: exit instead of lingering on a port. Checked at
// once (it may have died while we were loading) and then twice a second; unref(): the check alone
// never keeps Node running. Unset (run by hand): no check. Started directly, we watch our parent
// pid (re-parented = orphaned); under a wrapper that runs node as its child (Volta's shim does),
// our parent is the wrapper, so we ask whether the launcher's pid still exists.
const launcherPid = Number(env.PLAYGROUND_LAUNCHER_PID);
if (launcherPid) {
  const direct = process.ppid === launcherPid;
  const launcherGone = () => {
    if (direct) return process.ppid !== launcherPid;
    try {
      process.kill(launcherPid, 0);
      return false;
    } catch (error) {
      return error.code === "ESRCH";
    }
  };
  const exitIfOrphaned = () => {
    if (launcherGone()) process.exit(0);
  };
  exitIfOrphaned();
  setInterval(exitIfOrphaned, 500).unref();
}

let authArguments;
try {
  authArguments = toAuthArguments(parseOptions(env.PLAYGROUND_BA_OPTIONS), { secret: env.BETTER_AUTH_SECRET });
} catch (error) {
  fail(`bad PLAYGROUND_BA_OPTIONS: ${error.message}`);
}

// The memory adapter's tables, kept here so the teaching controls can reach the key rows.
const db = emptyTables();
const auth = createAuth({ ...authArguments, db });
const jwtPluginOptions = authArguments.jwtOptions;

await seedDemoUsers();

// --- CORS (for playground/frontend: a browser page on another origin) ---------------------
// Better Auth sends no CORS headers and answers a preflight with 404, so a deployment whose page
// lives on another origin puts a layer like this in front of it. PLAYGROUND_CORS_ORIGINS lists
// the page origins (comma-separated; unset = no CORS, Better Auth's own behaviour). They are exact
// origins because credentials (the session cookie) are allowed; set-auth-jwt and set-auth-token
// are exposed so page code can read them. It reproduces, header for header, the Starlette
// CORSMiddleware that playground/auth_cors.py puts in front of the embedded issuer, so a
// lesson shows the same exchange with either server (tests/conformance/test_origins.py checks it).
const CORS = {
  methods: ["GET", "POST"],
  // Starlette allows the CORS-safelisted headers too, and lists them sorted.
  headers: ["Accept", "Accept-Language", "Authorization", "Content-Language", "Content-Type"],
  expose: "set-auth-jwt, set-auth-token",
  maxAge: "600",
};

function withCors(handler, origins) {
  if (origins.length === 0) return handler;
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin !== undefined && req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      return preflight(req, res, origin, origins);
    }
    // Simple request: decorate whatever the handler answers, just before its headers go out.
    const writeHead = res.writeHead;
    res.writeHead = function (...args) {
      if (origin !== undefined) {
        res.setHeader("Access-Control-Allow-Credentials", "true");
        res.setHeader("Access-Control-Expose-Headers", CORS.expose);
        if (origins.includes(origin)) res.setHeader("Access-Control-Allow-Origin", origin);
      }
      const vary = res.getHeader("Vary");
      res.setHeader("Vary", vary ? `${vary}, Origin` : "Origin");
      return writeHead.apply(this, args);
    };
    handler(req, res);
  };
}

function preflight(req, res, origin, origins) {
  const headers = {
    Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
    "Access-Control-Allow-Methods": CORS.methods.join(", "),
    "Access-Control-Max-Age": CORS.maxAge,
    "Access-Control-Allow-Headers": CORS.headers.join(", "),
    "Access-Control-Allow-Credentials": "true",
  };
  const failures = [];
  if (origins.includes(origin)) headers["Access-Control-Allow-Origin"] = origin;
  else failures.push("origin");
  if (!CORS.methods.includes(req.headers["access-control-request-method"])) failures.push("method");
  const requested = req.headers["access-control-request-headers"];
  const allowed = CORS.headers.map((h) => h.toLowerCase());
  if (requested !== undefined && requested.split(",").some((h) => !allowed.includes(h.toLowerCase().trim()))) {
    failures.push("headers");
  }
  if (req.headers["access-control-request-private-network"] !== undefined) failures.push("private-network");
  const body = failures.length ? `Disallowed CORS ${failures.join(", ")}` : "OK";
  res.writeHead(failures.length ? 400 : 200, {
    ...headers,
    "content-length": Buffer.byteLength(body),
    "content-type": "text/plain; charset=utf-8",
  });
  res.end(body);
}

const handleAuth = toNodeHandler(auth);
// --- end CORS ------------------------------------------------------------------------------
const controlsToken = env.PLAYGROUND_CONTROLS_TOKEN || "";

const corsOrigins = (env.PLAYGROUND_CORS_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean);

const server = createServer(
  withCors((req, res) => {
    if (controlsToken && req.url.startsWith("/__playground/")) {
      const refusal = guardTeachingControl(req);
      if (refusal) return sendJson(res, refusal.status, refusal.body, refusal.headers);
      handleTeachingControl(req, res).catch((error) =>
        sendJson(res, 500, { message: String(error?.message ?? error), code: "INTERNAL_SERVER_ERROR" }),
      );
      return;
    }
    handleAuth(req, res);
  }, corsOrigins),
);

server.on("error", (error) => fail(`cannot listen: ${error.message}`));
server.listen(Number(env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address();
  // One JSON line the launcher may read; everything else Better Auth logs goes to the log file.
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${port}` }));
});

for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));

async function seedDemoUsers() {
  const password = env.PLAYGROUND_DEMO_PASSWORD;
  if (!password) return;
  const { users } = JSON.parse(await readFile(new URL("./demo-users.json", import.meta.url), "utf8"));
  const context = await auth.$context;
  // The demo users share one password, so they share one hash (one salt), as the embedded
  // issuer's do: scrypt runs once (~90 ms of CPU per user saved at every start). Sign-up reads
  // context.password.hash at each call; the original is back before the server listens.
  const { hash } = context.password;
  let shared;
  context.password.hash = (text) => (shared ??= hash(text));
  try {
    for (const { role, ...profile } of users) {
      const { user } = await auth.api.signUpEmail({ body: { ...profile, password } });
      // `role` has `input: false`: sign-up refuses it, so the server sets it directly.
      if (role) await context.internalAdapter.updateUser(user.id, { role });
    }
  } finally {
    context.password.hash = hash;
  }
}

// A control mints any token, so it answers only to its owner, exactly as the embedded issuer's
// (playground/issuer/teaching_routes.py): the per-run token as a bearer credential (401), this
// server's own loopback Host (403: DNS rebinding), no foreign Origin (403), JSON bodies only
// (415: a cross-site form or text/plain POST needs no preflight).
const REALM = 'Bearer realm="playground teaching controls"';

function guardTeachingControl(req) {
  const port = req.socket.localPort;
  const own = [`127.0.0.1:${port}`, `localhost:${port}`];
  const refuse = (status, code, message, headers = {}) => ({ status, body: { message, code }, headers });
  if (!own.includes((req.headers.host ?? "").toLowerCase())) {
    return refuse(403, "FOREIGN_HOST", `teaching controls answer only to Host ${JSON.stringify(own.sort())} (DNS rebinding?)`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !own.map((h) => `http://${h}`).includes(origin.toLowerCase())) {
    return refuse(403, "FOREIGN_ORIGIN", "teaching controls refuse requests from other web origins");
  }
  const [scheme = "", given = ""] = (req.headers.authorization ?? "").split(/ (.*)/s);
  if (scheme.toLowerCase() !== "bearer" || !given) {
    return refuse(401, "CONTROLS_TOKEN_REQUIRED", "teaching controls need Authorization: Bearer <controls token>", {
      "www-authenticate": REALM,
    });
  }
  const expected = Buffer.from(controlsToken);
  const offered = Buffer.from(given.trim());
  if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) {
    return refuse(401, "CONTROLS_TOKEN_INVALID", "the controls token is wrong", {
      "www-authenticate": `${REALM}, error="invalid_token", error_description="the controls token is wrong"`,
    });
  }
  if (req.method === "POST") {
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (mediaType !== "application/json") {
      return refuse(415, "UNSUPPORTED_MEDIA_TYPE", "teaching controls take Content-Type: application/json");
    }
  }
  return null;
}

// The same controls, at the same paths, as the embedded issuer (playground/issuer/teaching_routes.py).
async function handleTeachingControl(req, res) {
  const route = `${req.method} ${req.url.split("?")[0]}`;
  const context = await auth.$context;
  if (route === "GET /__playground/state") {
    return sendJson(res, 200, { now: Date.now() / 1000, keys: db.jwks.map(publicJwk) });
  }
  if (route === "POST /__playground/clock/shift") {
    return sendJson(res, 501, {
      message: "The real Better Auth reads the system clock, which cannot be shifted from here. Use the embedded issuer for clock lessons.",
      code: "NOT_SUPPORTED",
    });
  }
  if (route === "POST /__playground/keys/rotate") {
    // Retire every current key now (it stays in /jwks for the grace period) and make a new one;
    // {"keepOld": false} backdates the expiry past the grace period, so old keys leave /jwks at once
    // (plugins/jwt/index.mjs lists a key while expiresAt + gracePeriod > now).
    let body;
    try {
      body = JSON.parse((await readBody(req)) || "{}");
    } catch {
      body = null;
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) return badRequest(res, "body must be a JSON object");
    const keepOld = body.keepOld ?? true;
    if (typeof keepOld !== "boolean") return badRequest(res, "keepOld must be true or false");
    const graceMs = (jwtPluginOptions.jwks?.gracePeriod ?? 2592e3) * 1e3;
    const now = new Date();
    const retiredAt = keepOld ? now : new Date(now.getTime() - graceMs - 1000);
    for (const key of db.jwks) if (!keepOld || !key.expiresAt || key.expiresAt > now) key.expiresAt = retiredAt;
    const key = await createJwk({ context }, jwtPluginOptions);
    return sendJson(res, 200, { kid: key.id });
  }
  if (route === "POST /__playground/tokens") {
    let body;
    try {
      body = JSON.parse((await readBody(req)) || "{}");
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(res, 413, { message: error.message, code: "PAYLOAD_TOO_LARGE" });
      body = null;
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) return badRequest(res, "body must be a JSON object");
    try {
      return sendJson(res, 200, { token: await mintToken(context, req, body) });
    } catch (error) {
      return badRequest(res, error.message);
    }
  }
  return sendJson(res, 404, { message: "Not Found", code: "NOT_FOUND" });
}

// The JWT /token would give `email`'s user, then `claims` overridden and `drop` removed, signed
// with the current key ("jwks"), with the secret ("HS256") or not at all ("none"): the last two
// must be refused by a correct verifier.
async function mintToken(context, req, { email = "ada@example.com", claims = {}, drop = [], algorithm = "jwks" }) {
  if (!["jwks", "HS256", "none"].includes(algorithm)) throw new Error("algorithm must be one of ('jwks', 'HS256', 'none')");
  const found = await context.internalAdapter.findUserByEmail(String(email).toLowerCase());
  if (!found) throw new Error(`no user '${email}'`);
  const user = JSON.parse(JSON.stringify(found.user)); // dates as ISO strings, as in a JWT
  const origin = typeof context.options.baseURL === "string" && context.options.baseURL ? context.options.baseURL : `http://${req.headers.host}`;
  const payload = { iat: Math.floor(Date.now() / 1000), ...user, sub: user.id, ...claims };
  payload.exp ??= payload.iat + 900;
  payload.iss ??= jwtPluginOptions.jwt?.issuer ?? origin;
  payload.aud ??= jwtPluginOptions.jwt?.audience ?? origin;
  for (const name of drop) delete payload[name];
  if (algorithm === "none") return new UnsecuredJWT(payload).encode();
  if (algorithm === "HS256") {
    return new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(env.BETTER_AUTH_SECRET));
  }
  const { alg, kid, privateKey } = await resolveSigningKey({ context }, jwtPluginOptions);
  return new SignJWT(payload).setProtectedHeader({ alg, kid }).sign(privateKey);
}

function publicJwk(row) {
  return { alg: row.alg, ...(row.crv ? { crv: row.crv } : {}), ...JSON.parse(row.publicKey), kid: row.id };
}

function badRequest(res, message) {
  return sendJson(res, 400, { message, code: "BAD_REQUEST" });
}

// Control bodies are small; a larger one is refused unread (the same cap as the embedded issuer).
const MAX_CONTROL_BODY_BYTES = 64 * 1024;

class BodyTooLarge extends Error {}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_CONTROL_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLarge("Request body too large"));
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
