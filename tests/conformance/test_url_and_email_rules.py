"""Differential tests of the rules themselves: Better Auth's own functions, run by Node on
thousands of generated inputs, against the embedded issuer's Python ports.

``matchesOriginPattern`` (``better-auth/dist/auth/trusted-origins.mjs``: trusted origins,
callback URLs, ``isSafeRelativeURL``) and zod's ``z.email()`` decide what a sign-in refuses; a
port that differs on any input is a request one server refuses and the other lets through. The
inputs come from a grammar of the forms URL parsers disagree on (schemes, separators, userinfo,
hosts, ports, encoded and control characters), from a seeded generator: the same few thousand
every run, in one Node process, in about a second.
"""

from __future__ import annotations

import json
import os
import random
import subprocess

import pytest

from playground.better_auth.launcher import node_available, project_dir
from playground.issuer.origins import matches_origin_pattern
from playground.issuer.validation import is_email

PATTERNS = ["http://app.example", "https://app.example", "http://127.0.0.1:3000", "https://*.example.com",
            "*.example.org", "http://192.168.*.*", "myapp://callback", "exp://*", "myapp://host/cb", "http://[::1]:8080"]
SCHEMES = ["http", "https", "HTTP", "hTtPs", "javascript", "data", "ftp", "myapp", "exp", "ws", ""]
SEPARATORS = ["://", ":/", ":", ":\\\\", ":/\\", ":\\/", "://\t", ":///", "//"]
USERINFO = ["", "user@", "user:pw@", "app.example@", "@", "a%40b@", "x:y@z@"]
HOSTS = ["app.example", "APP.EXAMPLE", "app.example.", "evil.example", "a.example.com", "example.com",
         "a.b.example.com", "x.example.org", "127.0.0.1", "0x7f.0.0.1", "2130706433", "192.168.1.1",
         "192.168.evil.com", "[::1]", "[::ffff:127.0.0.1]", "app.exa\tmple", "app.exa\nmple", "äpp.example",
         "xn--pp-example-x4a", "app%2eexample", "app.example%2f", "callback", "host", ""]
PORTS = ["", ":80", ":443", ":3000", ":8080", ":0080", ":", ":99999", ":x"]
PATHS = ["", "/", "/x", "/cb", "/cb/../evil", "/%2e%2e/x", "\\x", "?q=1", "#f", "/a?b#c", "/\u2028", " "]
RELATIVE = ["/", "/ok", "//evil", "/\\evil", "/%2fevil", "/%5Cevil", "/a%2F", "/a?x=%2f", "/a#%5c", "/\t", "/a\nb",
            "/\x00", "/\x7f", "/\u0085", "/é", "/..//x", "/./x", "/%0d%0a", "/ ", "/a b", "/%zz", "/\u3000"]

LOCALS = [
    "a",
    "A",
    "a.b",
    "a..b",
    ".a",
    "a.",
    "a+b",
    "a'b",
    "a_b",
    "a-b",
    "ä",
    "a b",
    '"a"',
    "a@b",
    "",
    "-",
    "'",
    "a%b",
]
DOMAINS = ["example.com", "EXAMPLE.COM", "example", "ex_ample.com", "-example.com", "example-.com", "example..com",
           "example.c", "example.123", "sub.example.co.uk", "exämple.com", "xn--exmple-cua.com", "[127.0.0.1]", ""]
SUFFIXES = ["", "\n", "\r\n", " ", "\t", "\x00", "\u2028", ".", "\u200b"]


def generated_urls(count: int) -> list[str]:
    rng = random.Random(20261129)
    urls = list(RELATIVE)
    for _ in range(count):
        urls.append(rng.choice([" ", ""]) + rng.choice(SCHEMES) + rng.choice(SEPARATORS) + rng.choice(USERINFO)
                    + rng.choice(HOSTS) + rng.choice(PORTS) + rng.choice(PATHS))
    return urls


def generated_emails() -> list[str]:
    return [f"{local}@{domain}{suffix}" for local in LOCALS for domain in DOMAINS for suffix in SUFFIXES]


NODE_SCRIPT = """
import { pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
const dist = pathToFileURL(process.cwd() + "/node_modules/better-auth/dist/auth/trusted-origins.mjs");
const { matchesOriginPattern } = await import(dist);
const z = await import(pathToFileURL(process.cwd() + "/node_modules/zod/index.js"));
const { urls, patterns, emails } = JSON.parse(readFileSync(0, "utf8"));
const matches = urls.map((url) => patterns.map((pattern) =>
  [matchesOriginPattern(url, pattern), matchesOriginPattern(url, pattern, { allowRelativePaths: true })]));
const validEmails = emails.map((email) => z.email().safeParse(email).success);
process.stdout.write(JSON.stringify({ matches, validEmails }));
"""


@pytest.fixture(scope="module")
def better_auth_answers():
    reason = node_available()
    if reason and os.environ.get("PLAYGROUND_REQUIRE_ALL") == "1":
        pytest.fail(f"PLAYGROUND_REQUIRE_ALL=1 but {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)
    inputs = {"urls": generated_urls(3000), "patterns": PATTERNS, "emails": generated_emails()}
    done = subprocess.run(["node", "--input-type=module", "-e", NODE_SCRIPT], input=json.dumps(inputs),
                          capture_output=True, text=True, cwd=project_dir(), timeout=120, check=True)
    return inputs, json.loads(done.stdout)


def test_origin_patterns_and_callback_urls_match_better_auth(better_auth_answers):
    inputs, answers = better_auth_answers
    differences = []
    for url, per_pattern in zip(inputs["urls"], answers["matches"], strict=True):
        for pattern, (strict, relative) in zip(inputs["patterns"], per_pattern, strict=True):
            ours = (matches_origin_pattern(url, pattern), matches_origin_pattern(url, pattern, allow_relative=True))
            if ours != (strict, relative):
                differences.append(f"{url!r} vs {pattern!r}: better-auth {(strict, relative)}, embedded {ours}")
    assert not differences, f"{len(differences)} differences:\n  " + "\n  ".join(differences[:40])
    # The grammar reaches both answers for every kind of pattern (a generator stuck on one side proves nothing).
    for index, pattern in enumerate(inputs["patterns"]):
        seen = {per_pattern[index][1] for per_pattern in answers["matches"]}
        assert seen == {True, False}, f"{pattern!r}: every generated URL got {seen}"


def test_email_rule_matches_zod(better_auth_answers):
    inputs, answers = better_auth_answers
    differences = [
        f"{email!r}: zod {valid}, embedded {not valid}"
        for email, valid in zip(inputs["emails"], answers["validEmails"], strict=True)
        if is_email(email) != valid
    ]
    assert not differences, f"{len(differences)} differences:\n  " + "\n  ".join(differences[:40])
    assert 0 < sum(answers["validEmails"]) < len(inputs["emails"])
