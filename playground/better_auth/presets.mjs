// Named stand-ins for Better Auth's function-valued options.
//
// The playground's option overrides travel as JSON (PLAYGROUND_BA_OPTIONS), and JSON cannot
// carry a function. So `"definePayload": "<name>"` picks one of these; the embedded Python issuer
// implements the same names (playground/issuer/presets.py), which is what lets the conformance
// suite run one option set against both servers.
import { SignJWT } from "jose";

// jwt({ jwt: { definePayload } }): receives { user, session }; what it returns REPLACES the user
// object as the JWT payload (Better Auth then forces `sub` back to the user id).
export const definePayloadPresets = {
  // Only what an API needs to authorise a request: smaller tokens, less personal data.
  minimal: ({ user }) => ({ email: user.email, role: user.role }),
  // The user plus the session id, so an API can tie a token to its session.
  "with-session-id": ({ user, session }) => ({ ...user, sid: session.id }),
};

// jwt({ jwt: { sign } }): replaces the plugin's own signing. "hs256-secret" signs with HS256 and
// the shared secret -- the only way to get HS256 out of the plugin. Better Auth insists on
// `jwks.remoteUrl` with it, and GET /api/auth/jwks then answers 404.
export const signPresets = {
  "hs256-secret": (secret) => async (payload) =>
    new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret)),
};

export function pick(table, name, what) {
  if (!Object.hasOwn(table, name)) {
    throw new Error(`unknown ${what} preset ${JSON.stringify(name)}; known: ${Object.keys(table).join(", ")}`);
  }
  return table[name];
}
