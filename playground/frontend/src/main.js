// The learner's frontend: the real Better Auth client (bundled from npm) on its own origin,
// talking to the auth server and to the FastAPI backend, which live on two other origins.
// Every step writes what the browser really returned; errors are shown verbatim, because the
// exact text ("TypeError: Failed to fetch", "401 Unauthorized", ...) is what the lessons teach.
import { createAuthClient } from "better-auth/client";
import { jwtClient } from "better-auth/client/plugins";

const $ = (id) => document.getElementById(id);
const state = { config: null, client: null, jwt: null };

async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: ${response.status} ${response.statusText}`);
  return response.json();
}

function makeClient(config) {
  return createAuthClient({
    baseURL: config.authURL,
    plugins: [jwtClient()],
    // The client sends credentials: "include" by default (cookies on cross-origin calls);
    // the CORS lab overrides it to show what happens without.
    fetchOptions: config.credentials ? { credentials: config.credentials } : {},
  });
}

function log(step, text, failed = false) {
  const item = document.createElement("li");
  item.textContent = `${step}: ${text}`;
  if (failed) item.className = "failed";
  $("log").append(item);
  (failed ? console.error : console.log)(`[${step}] ${text}`);
}

function fail(step, message) {
  $("error").textContent = `${step}: ${message}`;
  log(step, message, true);
}

// Better Auth's client resolves to { data, error }; an HTTP error becomes `error` (status,
// statusText, message), a network/CORS failure rejects with the browser's TypeError.
function errorText(error) {
  const status = error.status ? `${error.status} ${error.statusText ?? ""}`.trim() : "";
  const detail = error.message || error.code;
  return detail && detail !== error.statusText ? [status, detail].filter(Boolean).join(": ") : status;
}

function claimsOf(jwt) {
  const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload));
}

function useJwt(jwt, source) {
  state.jwt = jwt;
  const { sub, email, iss, aud, exp } = claimsOf(jwt);
  $("claims").textContent = JSON.stringify({ source, sub, email, iss, aud, exp }, null, 2);
}

const steps = {
  async "sign-up"() {
    const { data, error } = await state.client.signUp.email({
      name: $("name").value, email: $("email").value, password: $("password").value,
    });
    if (error) return fail("sign-up", errorText(error));
    $("status").textContent = `signed in as ${data.user.email}`;
    log("sign-up", `created and signed in ${data.user.email}`);
  },

  async "sign-in"() {
    const { data, error } = await state.client.signIn.email({
      email: $("email").value, password: $("password").value,
    });
    if (error) return fail("sign-in", errorText(error));
    $("status").textContent = `signed in as ${data.user.email}`;
    log("sign-in", `signed in ${data.user.email}`);
  },

  async "get-token"() {
    const { data, error } = await state.client.token();
    if (error) return fail("get-token", errorText(error));
    $("token").textContent = data.token;
    useJwt(data.token, "authClient.token()");
    log("get-token", "got a JWT from /api/auth/token");
  },

  async "get-session"() {
    let headerJwt = null;
    const { data, error } = await state.client.getSession({
      fetchOptions: {
        // The jwt plugin adds the header to get-session; JS can read it only if CORS exposes it.
        onSuccess(ctx) { headerJwt = ctx.response.headers.get("set-auth-jwt"); },
      },
    });
    if (error) return fail("get-session", errorText(error));
    if (!data) {
      $("status").textContent = "signed out";
      return fail("get-session", "no session (the session cookie was not sent)");
    }
    $("status").textContent = `signed in as ${data.user.email}`;
    if (!headerJwt) {
      $("header-jwt").textContent = "null";
      return fail("get-session", "response.headers.get('set-auth-jwt') is null: the header is not exposed to JavaScript");
    }
    $("header-jwt").textContent = headerJwt;
    useJwt(headerJwt, "set-auth-jwt header");
    log("get-session", "got a JWT from the set-auth-jwt header");
  },

  async "call-api"() {
    if (!state.jwt) return fail("call-api", "no JWT yet: get one with authClient.token() or getSession() first");
    const response = await fetch(`${state.config.apiURL}/api/me`, {
      headers: { Authorization: `Bearer ${state.jwt}` },
    });
    const text = await response.text();
    $("api-result").textContent = `${response.status} ${response.statusText}\n${text}`;
    if (!response.ok) return fail("call-api", `${response.status} ${response.statusText}`);
    log("call-api", `${response.status} ${response.statusText}`);
  },

  async "sign-out"() {
    const { error } = await state.client.signOut();
    if (error) return fail("sign-out", errorText(error));
    state.jwt = null;
    $("status").textContent = "signed out";
    for (const id of ["token", "header-jwt", "claims"]) $(id).textContent = "–";
    log("sign-out", "signed out (a JWT already issued stays valid until it expires)");
  },
};

async function run(step) {
  $("error").textContent = "";
  try {
    await steps[step]();
  } catch (error) {
    // A request the browser blocked (CORS) or could not send: the page sees only this TypeError;
    // the reason is in the browser console.
    fail(step, String(error));
  } finally {
    // A counter the tests (and playground.frontend.browser) wait on: "this click has finished".
    document.body.dataset.done = String(Number(document.body.dataset.done ?? 0) + 1);
  }
}

async function main() {
  try {
    state.config = await loadConfig();
  } catch (error) {
    $("config").textContent = `cannot load config.json: ${error}`;
    return;
  }
  state.client = makeClient(state.config);
  $("config").textContent = `this page: ${location.origin} · auth server: ${state.config.authURL} · API: ${state.config.apiURL}`;
  for (const step of Object.keys(steps)) $(step).addEventListener("click", () => run(step));
  document.body.dataset.ready = "1";
}

main();
