// Lesson 10: what the real better-auth's server-side auth.api.signJWT({ body: { payload } })
// writes, through the playground's Better Auth config (auth.config.mjs). Reads a JSON list of
// payloads on stdin; prints one JSON object {tokens, jwks}: the token signed for each payload and
// the key set that verifies them. Better Auth's own log goes to stderr.
import { createAuth } from "../better_auth/auth.config.mjs";

const BASE = "http://127.0.0.1:3000";
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const payloads = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const auth = createAuth({ secret: process.env.SECRET, baseURL: BASE });
const tokens = [];
for (const payload of payloads) tokens.push((await auth.api.signJWT({ body: { payload } })).token);
const jwks = await auth.handler(new Request(`${BASE}/api/auth/jwks`));
console.log(JSON.stringify({ tokens, jwks: await jwks.json() }));
