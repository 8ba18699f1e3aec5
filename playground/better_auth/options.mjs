// Turns the playground's JSON option overrides into arguments for createAuth().
//
// The JSON is a subset of Better Auth's own option tree (same names, same nesting), so a lesson's
// variation reads like the Better Auth docs. Only two spots differ: plugin options live under
// "plugins": {"jwt": {...}, "bearer": {...}}, and function-valued options are preset names.
import { definePayloadPresets, pick, signPresets } from "./presets.mjs";

const TOP_LEVEL = new Set(["trustedOrigins", "session", "advanced", "plugins"]);
const PLUGINS = new Set(["jwt", "bearer"]);

export function parseOptions(text) {
  if (!text) return {};
  const options = JSON.parse(text);
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new Error("PLAYGROUND_BA_OPTIONS must be a JSON object");
  }
  return options;
}

export function toAuthArguments(options, { secret }) {
  for (const key of Object.keys(options)) {
    if (!TOP_LEVEL.has(key)) throw new Error(`unsupported option ${JSON.stringify(key)}; supported: ${[...TOP_LEVEL].join(", ")}`);
  }
  const { plugins = {}, trustedOrigins, ...rest } = options;
  for (const key of Object.keys(plugins)) {
    if (!PLUGINS.has(key)) throw new Error(`unsupported plugin ${JSON.stringify(key)}; supported: ${[...PLUGINS].join(", ")}`);
  }
  const args = { ...rest, jwtOptions: jwtOptions(plugins.jwt ?? {}, secret), bearerOptions: plugins.bearer ?? {} };
  if (trustedOrigins) {
    // Added to (not instead of) the origins from BETTER_AUTH_TRUSTED_ORIGINS.
    const fromEnv = (process.env.BETTER_AUTH_TRUSTED_ORIGINS ?? "").split(",").filter(Boolean);
    args.trustedOrigins = [...fromEnv, ...trustedOrigins];
  }
  return args;
}

function jwtOptions(json, secret) {
  const { jwt: claims = {}, sign, ...rest } = json;
  const { definePayload, ...claimOptions } = claims;
  const out = { ...rest, jwt: { ...claimOptions } };
  if (definePayload !== undefined) out.jwt.definePayload = pick(definePayloadPresets, definePayload, "definePayload");
  if (sign !== undefined) out.jwt.sign = pick(signPresets, sign, "sign")(secret);
  return out;
}
