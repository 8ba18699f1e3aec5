// Lesson 11 (integration patterns): what the real better-auth does in three setups the embedded
// issuer does not imitate, through the playground's Better Auth config (auth.config.mjs) and
// auth.handler with Fetch Requests, as HTTP would. Prints one JSON object; Better Auth's own log
// goes to stderr. DEMO_PASSWORD is required.
//
//   MODE=allowed-hosts      baseURL: { allowedHosts } (one deployment answering on its canonical
//                           host and on preview hosts): the token minted on each host, then the same
//                           with jwt.issuer / jwt.audience pinned. Prints the tokens and the JWKS.
//   MODE=organization       organization() with jwt.definePayload adding the session's
//                           activeOrganizationId: the claim before and after setActive.
//   MODE=secondary-storage  secondaryStorage whose delete fails (a cache that cannot evict):
//                           what revoke-sessions answers, and whether the session still works.
//   MODE=tables             Better Auth's user and session rows after a sign-in on two devices and
//                           a sign-out on one, with both devices' cookies.
//   MODE=all                every mode, one process.
import { readFileSync } from "node:fs";

import { createAuth, emptyTables } from "../better_auth/auth.config.mjs";

// better-auth is installed beside auth.config.mjs, not here: import the file its package exports
// (the one auth.config.mjs gets for "better-auth/plugins", so both share one module instance).
const betterAuthRoot = new URL("../better_auth/node_modules/better-auth/", import.meta.url);
const { exports } = JSON.parse(readFileSync(new URL("package.json", betterAuthRoot), "utf8"));
const { bearer, jwt, organization } = await import(new URL(exports["./plugins"].default, betterAuthRoot).href);

const { MODE, DEMO_PASSWORD } = process.env;
if (!DEMO_PASSWORD) {
  console.error("DEMO_PASSWORD is required");
  process.exit(2);
}
const ada = { email: "ada@example.com", password: DEMO_PASSWORD, name: "Ada Lovelace" };

async function call(auth, base, method, path, { body, cookie } = {}) {
  const headers = { origin: base };
  if (body) headers["content-type"] = "application/json";
  if (cookie) headers.cookie = cookie;
  const response = await auth.handler(new Request(`${base}/api/auth${path}`, {
    method, headers, body: body ? JSON.stringify(body) : undefined,
  }));
  const text = await response.text();
  const setCookie = response.headers.getSetCookie().map((c) => c.split(";")[0]);
  return { status: response.status, json: text ? JSON.parse(text) : null, setCookie };
}

// A browser's cookie jar, reduced to what these flows need: the latest value of each cookie.
function jar() {
  const cookies = new Map();
  return {
    take(answer) {
      for (const pair of answer.setCookie) {
        const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
        if (value) cookies.set(name, value); else cookies.delete(name);
      }
      return answer;
    },
    get header() {
      return [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    },
  };
}

async function signUp(auth, base) {
  const cookies = jar();
  const answer = cookies.take(await call(auth, base, "POST", "/sign-up/email", { body: ada }));
  if (answer.status !== 200) throw new Error(`sign-up on ${base}: ${answer.status} ${JSON.stringify(answer.json)}`);
  return cookies;
}

async function tokenOn(auth, base, cookies) {
  const answer = await call(auth, base, "GET", "/token", { cookie: cookies.header });
  if (answer.status !== 200) throw new Error(`token on ${base}: ${answer.status}`);
  return answer.json.token;
}

async function allowedHosts() {
  const hosts = ["https://auth.example.com", "https://pr-42.preview.example.dev"];
  const baseURL = { allowedHosts: ["auth.example.com", "*.preview.example.dev"], protocol: "https" };
  const result = {};
  for (const [label, jwtOptions] of [["per-host", {}],
    ["pinned", { jwt: { issuer: hosts[0], audience: hosts[0] } }]]) {
    const db = emptyTables();
    const auth = createAuth({ db, baseURL, jwtOptions });
    const tokens = {};
    for (const base of hosts) {
      const cookies = await signUpOrIn(auth, base);
      tokens[base] = await tokenOn(auth, base, cookies);
    }
    const jwks = await call(auth, hosts[0], "GET", "/jwks");
    result[label] = { tokens, jwks: jwks.json };
  }
  return result;
}

async function signUpOrIn(auth, base) {
  const cookies = jar();
  let answer = cookies.take(await call(auth, base, "POST", "/sign-in/email",
    { body: { email: ada.email, password: ada.password } }));
  if (answer.status !== 200) answer = cookies.take(await call(auth, base, "POST", "/sign-up/email", { body: ada }));
  if (answer.status !== 200) throw new Error(`sign-in on ${base}: ${answer.status} ${JSON.stringify(answer.json)}`);
  return cookies;
}

async function organizations() {
  const base = "http://127.0.0.1:3000";
  const db = { ...emptyTables(), organization: [], member: [], invitation: [] };
  const withOrganization = ({ user, session }) => ({ ...user, activeOrganizationId: session.activeOrganizationId ?? null });
  const auth = createAuth({
    db, baseURL: base,
    plugins: [jwt({ jwt: { definePayload: withOrganization } }), bearer(), organization()],
  });
  const cookies = await signUp(auth, base);
  const ids = {};
  for (const [name, slug] of [["Acme", "acme"], ["Globex", "globex"]]) {
    const created = cookies.take(await call(auth, base, "POST", "/organization/create",
      { body: { name, slug }, cookie: cookies.header }));
    if (created.status !== 200) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.json)}`);
    ids[name] = created.json.id;
  }
  const setActive = async (name) => {
    const answer = cookies.take(await call(auth, base, "POST", "/organization/set-active",
      { body: { organizationId: ids[name] }, cookie: cookies.header }));
    if (answer.status !== 200) throw new Error(`set-active ${name}: ${answer.status}`);
  };
  await setActive("Acme");
  const before = await tokenOn(auth, base, cookies);
  await setActive("Globex");
  const session = await call(auth, base, "GET", "/get-session", { cookie: cookies.header });
  const after = await tokenOn(auth, base, cookies);
  return { organizations: ids, tokenBefore: before, tokenAfter: after,
           sessionActiveOrganizationId: session.json.session.activeOrganizationId };
}

async function secondaryStorageRevocation() {
  const base = "http://127.0.0.1:3000";
  const result = {};
  for (const storeSessionInDatabase of [false, true]) {
    const store = new Map();
    let deletesFail = false;
    const secondaryStorage = {
      get: async (key) => store.get(key) ?? null,
      set: async (key, value) => { store.set(key, value); },
      delete: async (key) => {
        if (deletesFail) throw new Error("cache: connection reset while deleting");
        store.delete(key);
      },
    };
    const auth = createAuth({ db: emptyTables(), baseURL: base, secondaryStorage, session: { storeSessionInDatabase } });
    const laptop = await signUp(auth, base);
    const phone = await signUpOrIn(auth, base);
    deletesFail = true;
    const revoked = await call(auth, base, "POST", "/revoke-sessions", { body: {}, cookie: laptop.header });
    const sessionAfter = async (cookies) => {
      const answer = await call(auth, base, "GET", "/get-session", { cookie: cookies.header });
      return answer.json?.user?.email ?? null;
    };
    result[storeSessionInDatabase ? "sessions in the database too" : "sessions in secondary storage only"] = {
      revokeStatus: revoked.status, revokeBody: revoked.json,
      laptopAfter: await sessionAfter(laptop), phoneAfter: await sessionAfter(phone),
    };
  }
  return result;
}

// Better Auth's own tables after Ada signs in on two devices and signs out on one: the rows a
// shared-store reader would see (the memory adapter's arrays, dates as ISO strings), and the
// session cookies of both devices.
async function tables() {
  const base = "http://127.0.0.1:3000";
  const db = emptyTables();
  const auth = createAuth({ db, baseURL: base });
  const laptop = await signUp(auth, base);
  const phone = await signUpOrIn(auth, base);
  const laptopCookie = laptop.header;
  const signedOut = await call(auth, base, "POST", "/sign-out", { body: {}, cookie: laptop.header });
  if (signedOut.status !== 200) throw new Error(`sign-out: ${signedOut.status}`);
  return { user: db.user, session: db.session, laptopCookie, phoneCookie: phone.header };
}

const modes = { "allowed-hosts": allowedHosts, organization: organizations, "secondary-storage": secondaryStorageRevocation,
  tables };
// MODE=all: every mode in one Node process (one start-up instead of three), keyed by mode.
async function all() {
  const results = {};
  for (const [name, run] of Object.entries(modes)) results[name] = await run();
  return results;
}
const run = MODE === "all" ? all : modes[MODE];
if (!run) {
  console.error(`MODE must be one of: all, ${Object.keys(modes).join(", ")}`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(await run()));
