// Lesson 07b: what the real better-auth does with BETTER_AUTH_SECRET problems, through the
// playground's Better Auth config (auth.config.mjs) and auth.handler with Fetch Requests, as HTTP
// would. Prints one JSON object; Better Auth's own log goes to stderr.
//
//   MODE=change  SECRET_BEFORE, SECRET_AFTER: two instances share one memory database, the
//                second with another secret (a restart after the secret changed). Then three
//                ways out, each on its own copy of that database: disablePrivateKeyEncryption
//                alone, the old key rows expired (expiresAt), and the versioned secrets
//                (new current secret, the old one kept as BETTER_AUTH_SECRET to decrypt).
//   MODE=unset   no secret at all (BETTER_AUTH_SECRET must be unset): sign up and sign in, and
//                return the session cookie (signed with whatever secret Better Auth fell back to),
//                or the error betterAuth() throws (NODE_ENV=production).
// DEMO_PASSWORD is required in both modes.
import { createAuth, emptyTables } from "../better_auth/auth.config.mjs";

const { MODE = "change", SECRET_BEFORE, SECRET_AFTER, DEMO_PASSWORD } = process.env;
const BASE = "http://127.0.0.1:3000";

function usage(message) {
  console.error(message);
  process.exit(2);
}

async function call(auth, method, path, { body, cookie } = {}) {
  const headers = { origin: BASE };
  if (body) headers["content-type"] = "application/json";
  if (cookie) headers.cookie = cookie;
  const response = await auth.handler(new Request(`${BASE}/api/auth${path}`, {
    method, headers, body: body ? JSON.stringify(body) : undefined,
  }));
  const text = await response.text();
  const setCookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { status: response.status, text, cookie: setCookie, jwt: response.headers.get("set-auth-jwt") };
}

const ada = { email: "ada@example.com", password: DEMO_PASSWORD, name: "Ada Lovelace" };

async function signIn(auth) {
  const signedIn = await call(auth, "POST", "/sign-in/email", { body: { email: ada.email, password: ada.password } });
  const token = await call(auth, "GET", "/token", { cookie: signedIn.cookie });
  // What useSession() calls: the jwt plugin signs a JWT for its set-auth-jwt header on every call.
  const session = await call(auth, "GET", "/get-session", { cookie: signedIn.cookie });
  return { signIn: signedIn.status, token: token.status, getSession: session.status, cookie: signedIn.cookie,
           jwt: token.status === 200 ? JSON.parse(token.text).token : null };
}

// A restart on `db` with the new secret and `options`: what a signed-in user then gets, and the
// key set /jwks publishes.
async function restart(db, options) {
  const auth = createAuth({ db, secret: SECRET_AFTER, baseURL: BASE, ...options });
  const { token, getSession, jwt } = await signIn(auth);
  const jwks = await call(auth, "GET", "/jwks");
  return { token, getSession, jwt, jwks: JSON.parse(jwks.text) };
}

if (!DEMO_PASSWORD) usage("DEMO_PASSWORD is required");
const db = emptyTables();
if (MODE === "change") {
  if (!SECRET_BEFORE || !SECRET_AFTER) usage("SECRET_BEFORE and SECRET_AFTER are required");
  const before = createAuth({ db, secret: SECRET_BEFORE, baseURL: BASE });
  const signUp = await call(before, "POST", "/sign-up/email", { body: ada });
  const first = await signIn(before);
  const after = createAuth({ db, secret: SECRET_AFTER, baseURL: BASE });
  const second = await signIn(after);
  const jwks = await call(after, "GET", "/jwks");
  const storedPrivateKey = JSON.parse(db.jwks[0].privateKey);

  // Each way out starts from the broken state: the key rows encrypted with SECRET_BEFORE.
  const plainKeys = await restart(structuredClone(db), { jwtOptions: { jwks: { disablePrivateKeyEncryption: true } } });
  const expiredDb = structuredClone(db);
  for (const row of expiredDb.jwks) row.expiresAt = new Date(Date.now() - 1000);
  const expired = await restart(expiredDb, {});
  // BETTER_AUTH_SECRETS="1:<new>" with BETTER_AUTH_SECRET=<old>: the old secret only decrypts.
  const versioned = await restart(structuredClone(db), { secret: SECRET_BEFORE, secrets: [{ version: 1, value: SECRET_AFTER }] });
  console.log(JSON.stringify({
    signUp: signUp.status, tokenBefore: first.token, jwtBefore: first.jwt, signInAfter: second.signIn,
    tokenAfter: second.token, getSessionAfter: second.getSession, jwksAfter: jwks.status, storedPrivateKey,
    recoveries: { disablePrivateKeyEncryption: plainKeys, expireOldKeys: expired, versionedSecrets: versioned },
  }));
} else if (MODE === "unset") {
  if (process.env.BETTER_AUTH_SECRET || process.env.AUTH_SECRET) usage("BETTER_AUTH_SECRET and AUTH_SECRET must be unset");
  // In production Better Auth refuses its default secret while building its context, which the
  // first request awaits: that refusal is the outcome.
  try {
    const auth = createAuth({ db, baseURL: BASE });
    const signUp = await call(auth, "POST", "/sign-up/email", { body: ada });
    const { signIn: signInStatus, cookie } = await signIn(auth);
    console.log(JSON.stringify({ signUp: signUp.status, signIn: signInStatus, cookie }));
  } catch (error) {
    console.log(JSON.stringify({ error: error.message }));
  }
} else {
  usage(`unknown MODE ${MODE}`);
}
