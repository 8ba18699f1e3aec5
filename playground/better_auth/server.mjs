// Serves auth.config.mjs on 127.0.0.1:PORT for the playground (playground/better_auth/launcher.py).
//
// Environment:
//   PORT                          port to listen on (0 = any free port; the URL is printed)
//   BETTER_AUTH_SECRET            required here: the playground never runs on the built-in default
//   BETTER_AUTH_URL               base URL (unset = Better Auth's Host-header behaviour)
//   BETTER_AUTH_TRUSTED_ORIGINS   comma-separated origins allowed to POST with cookies
//   PLAYGROUND_DEMO_PASSWORD      password of the demo users (demo-users.json); unset = no demo users
//   PLAYGROUND_BA_OPTIONS         JSON option overrides (see options.mjs)
//   PLAYGROUND_TEACHING_CONTROLS  "1" exposes /__playground/* (rotate keys, mint tokens); never in production
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { toNodeHandler } from "better-auth/node";
import { createJwk } from "better-auth/plugins";
import { createAuth, emptyTables } from "./auth.config.mjs";
import { parseOptions, toAuthArguments } from "./options.mjs";

const env = process.env;

function fail(message) {
  console.error(`playground better-auth: ${message}`);
  process.exit(2);
}

if (!env.BETTER_AUTH_SECRET) fail("BETTER_AUTH_SECRET is not set (the launcher generates one)");

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

const handleAuth = toNodeHandler(auth);
const teachingControls = env.PLAYGROUND_TEACHING_CONTROLS === "1";

const server = createServer((req, res) => {
  if (teachingControls && req.url.startsWith("/__playground/")) {
    handleTeachingControl(req, res).catch((error) => sendJson(res, 500, { code: "INTERNAL", message: String(error?.message ?? error) }));
    return;
  }
  handleAuth(req, res);
});

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
  for (const { role, ...profile } of users) {
    const { user } = await auth.api.signUpEmail({ body: { ...profile, password } });
    // `role` has `input: false`: sign-up refuses it, so the server sets it directly.
    if (role) await context.internalAdapter.updateUser(user.id, { role });
  }
}

async function handleTeachingControl(req, res) {
  const route = `${req.method} ${req.url.split("?")[0]}`;
  if (route === "POST /__playground/rotate-keys") {
    // Retire every current key now (it stays listed in /jwks for the grace period) and make a new one.
    const now = new Date();
    for (const key of db.jwks ?? []) if (!key.expiresAt || key.expiresAt > now) key.expiresAt = now;
    const key = await createJwk({ context: await auth.$context }, jwtPluginOptions);
    return sendJson(res, 200, { kid: key.id });
  }
  if (route === "POST /__playground/mint") {
    // A token signed with the server's current key, with exactly the claims given (expired,
    // wrong audience, ...): signJWT adds only `exp`, `iss` and `aud` where the claims lack them.
    let body;
    try {
      body = JSON.parse((await readBody(req)) || "{}");
    } catch {
      return sendJson(res, 400, { code: "INVALID_JSON", message: "body must be JSON: {\"claims\": {...}}" });
    }
    if (!body || typeof body.claims !== "object" || body.claims === null || Array.isArray(body.claims)) {
      return sendJson(res, 400, { code: "INVALID_CLAIMS", message: "body must be {\"claims\": {...}}" });
    }
    const { token } = await auth.api.signJWT({ body: { payload: body.claims } });
    return sendJson(res, 200, { token });
  }
  if (route === "POST /__playground/clock") {
    return sendJson(res, 501, {
      code: "NOT_SUPPORTED",
      message: "The real Better Auth reads the system clock; it cannot be shifted. Use the embedded issuer for clock lessons.",
    });
  }
  return sendJson(res, 404, { code: "NOT_FOUND", message: `no teaching control ${route}` });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
