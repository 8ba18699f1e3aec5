// Your Better Auth config: the one the workbook's lessons show and the one CI runs.
//
// Better Auth is the login service. A Python backend never sees passwords: it verifies the
// JWTs this server signs, using the public keys at GET /api/auth/jwks.
//
// `playground` holds the variations a lesson tries (cookie cache, key algorithm, ...); with no
// variations this is exactly the default the embedded Python issuer imitates.
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { bearer, jwt } from "better-auth/plugins";

export function createAuth(playground = {}) {
  const { db = emptyTables(), jwtOptions = {}, bearerOptions = {}, ...variations } = playground;

  return betterAuth({
    // Never hard-code these. The secret signs session cookies and encrypts the JWT private
    // keys; the base URL becomes the tokens' `iss` and `aud` (without it, the request's Host
    // header decides them -- a lesson shows why that is dangerous).
    secret: process.env.BETTER_AUTH_SECRET,
    baseURL: process.env.BETTER_AUTH_URL,

    // Browser origins allowed to send cookie-carrying POSTs (a CSRF check; Better Auth does no
    // CORS). Better Auth reads this variable on its own as well; naming it here keeps it visible.
    trustedOrigins: (process.env.BETTER_AUTH_TRUSTED_ORIGINS ?? "").split(",").filter(Boolean),

    // In memory: every restart forgets users, sessions and keys. Use a real database in production.
    database: memoryAdapter(db),

    emailAndPassword: { enabled: true },

    // Extra profile fields. They end up in the session's user object and in the JWT's claims.
    user: {
      additionalFields: {
        // `input: false`: a role sent at sign-up is ignored (default applies).
        role: { type: "string", required: false, defaultValue: "user", input: false },
        softwareBackground: { type: "string", required: false },
        hardwareBackground: { type: "string", required: false },
        interestArea: { type: "string", required: false },
      },
    },

    plugins: [
      // GET /api/auth/token and the `set-auth-jwt` header: JWTs (EdDSA by default) for other
      // services; GET /api/auth/jwks publishes the public keys that verify them.
      jwt(jwtOptions),
      // `Authorization: Bearer <session token>` instead of a cookie (the token is NOT a JWT).
      bearer(bearerOptions),
    ],

    ...variations, // e.g. session: { cookieCache: ... }, advanced: { cookiePrefix: ... }
  });
}

// The memory adapter needs one array per table; `jwks` holds the jwt plugin's key pairs.
export function emptyTables() {
  return { user: [], session: [], account: [], verification: [], jwks: [] };
}
