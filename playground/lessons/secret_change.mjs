// Lesson 07b: what the real better-auth does with BETTER_AUTH_SECRET problems, through the
// playground's Better Auth config (auth.config.mjs) and auth.handler with Fetch Requests, as HTTP
// would. Prints one JSON object; Better Auth's own log goes to stderr.
//
//   MODE=change  SECRET_BEFORE, SECRET_AFTER: two instances share one memory database, the
//                second with another secret (a restart after the secret changed).
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
  return { status: response.status, text, cookie: setCookie };
}

const ada = { email: "ada@example.com", password: DEMO_PASSWORD, name: "Ada Lovelace" };

async function signIn(auth) {
  const signedIn = await call(auth, "POST", "/sign-in/email", { body: { email: ada.email, password: ada.password } });
  const token = await call(auth, "GET", "/token", { cookie: signedIn.cookie });
  return { signIn: signedIn.status, token: token.status, cookie: signedIn.cookie };
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
  console.log(JSON.stringify({
    signUp: signUp.status, tokenBefore: first.token, signInAfter: second.signIn, tokenAfter: second.token,
    jwksAfter: jwks.status, storedPrivateKey: JSON.parse(db.jwks[0].privateKey),
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
