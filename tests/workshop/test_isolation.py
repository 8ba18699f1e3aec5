"""Participants on one shared host (a JupyterHub VM) cannot use each other's playground.

Participant A's kernel starts the playground as a lesson does (``playground.start()``), on a host
the hub marks as shared (``JUPYTERHUB_SERVICE_PREFIX``). Participant B is another process on the
same machine that knows A's ports but not A's per-run controls token: B gets 401 from every
teaching control, cannot replay A's sessions or sign tokens A's backend accepts (even with the
workbook's public demo keys and a session token from B's own deterministic playground), cannot take
A's ports, and finds the token in no world-readable place. A's own client holds the token and works.
The same as a second OS user (``nobody``, as a hub's other participant would be): 401 from every
control, and A's processes' environments (where the real Better Auth's token is) unreadable.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from playground.issuer.teaching_routes import CONTROLS
from tests.workshop import processes

PARTICIPANT = r"""
import json, sys
import playground

pg = playground.start()
grace = {"email": "grace@example.com", "password": pg.demo_password}
assert pg.auth.post("/api/auth/sign-in/email", json=grace, headers={"origin": pg.auth_url}).status_code == 200
raw_session = pg.auth.cookies["better-auth.session_token"].split(".")[0]
url = {"iss": OTHER_AUTH_URL, "aud": OTHER_AUTH_URL} if OTHER_AUTH_URL else {}
print(json.dumps({
    "auth_url": pg.auth_url, "api_url": pg.api_url, "frontend_url": pg.frontend_url,
    "deterministic": pg.issuer_clock is not None and "frozen" in repr(pg.issuer_clock),
    "controls_token": pg.controls.token,  # read by the test only to prove it leaks nowhere
    "raw_session": raw_session,
    "own_control_works": pg.controls.state()["now"] > 0,
    "minted_for_other": pg.controls.mint_token("grace@example.com", claims=url),
}), flush=True)
sys.stdin.read()  # run until the test closes stdin
"""


class Participant:
    def __init__(self, *, shared_host: bool, other_auth_url: str = "", issuer: str = "embedded") -> None:
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith(("BETTER_AUTH_", "PLAYGROUND_", "JUPYTERHUB_"))}
        self.issuer = issuer
        environment["PLAYGROUND_ISSUER"] = issuer
        if shared_host:
            environment["JUPYTERHUB_SERVICE_PREFIX"] = "/user/participant-a/"
        source = PARTICIPANT.replace("OTHER_AUTH_URL", repr(other_auth_url))
        self.process = subprocess.Popen([sys.executable, "-c", source], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=environment)
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            pytest.fail("the participant's playground did not start", pytrace=False)
        self.info = json.loads(line)

    def ports(self) -> list[int]:
        urls = [self.info["auth_url"], self.info["api_url"], self.info["frontend_url"]]
        return [httpx.URL(url).port for url in urls if url]

    def stop(self) -> None:
        self.process.stdin.close()  # the participant's cue to stop its playground and exit
        try:
            processes.stop(self.process, asked=True)
        finally:
            self.process.stdout.close()


# One A (per issuer) and one B for the module: no test changes their playgrounds (every stranger's
# call is refused or only reads), and each costs a Python start and a playground start.
@pytest.fixture(scope="module")
def participant_a():
    a = Participant(shared_host=True)
    yield a
    a.stop()


@pytest.fixture(scope="module")
def participant_a_on_better_auth():
    """A again, with the real Better Auth (Node) as the issuer."""
    a = Participant(shared_host=True, issuer="better-auth")
    yield a
    a.stop()


@pytest.fixture(params=["embedded", pytest.param("better-auth", marks=pytest.mark.node)])
def shared_participant(request) -> Participant:
    """A on a shared host with each issuer: the embedded one and the real Better Auth."""
    return request.getfixturevalue("participant_a" if request.param == "embedded" else "participant_a_on_better_auth")


@pytest.fixture(scope="module")
def participant_b():
    """B's own lesson: a deterministic playground (B is not marked shared), as on a laptop."""
    b = Participant(shared_host=False)
    yield b
    b.stop()


def _stranger_calls(auth_url: str) -> dict[str, httpx.Response]:
    """Every teaching control, called as another process would: without the token, or guessing it."""
    answers = {}
    with httpx.Client(base_url=auth_url, timeout=30) as stranger:
        for control in CONTROLS:
            for label, headers in (("no token", {}), ("guessed token", {"authorization": "Bearer guessed"})):
                answers[f"{control.method} {control.path} ({label})"] = stranger.request(
                    control.method, control.path, json=control.body, headers=headers)
    return answers


def test_another_process_gets_401_from_every_control_of_a_kernels_playground(participant_a):
    a = participant_a.info
    assert a["own_control_works"]  # the kernel's own client holds the token
    for call, answer in _stranger_calls(a["auth_url"]).items():
        assert answer.status_code == 401, (call, answer.status_code, answer.text)
        assert answer.headers["www-authenticate"].startswith("Bearer realm="), call
        assert "token" not in answer.json(), call


def test_the_controls_index_describes_every_control_without_the_token(participant_a):
    a = participant_a.info
    index = httpx.get(f"{a['auth_url']}/__playground/", timeout=30)
    page = httpx.get(f"{a['auth_url']}/__playground/", headers={"accept": "text/html"}, timeout=30)

    assert index.status_code == 200 and index.headers["content-type"].startswith("application/json")
    listed = [(c["method"], c["path"], c["body"]) for c in index.json()["controls"]]
    assert listed == [(c.method, c.path, c.body) for c in CONTROLS]
    assert "Authorization: Bearer" in index.json()["usage"]
    assert page.status_code == 200 and all(c.path in page.text for c in CONTROLS)
    assert a["controls_token"] not in index.text + page.text


def test_a_shared_host_makes_the_playground_unguessable_for_another_participant(participant_a, participant_b):
    b = participant_b.info
    assert b["deterministic"]  # B's own laptop-style run: public demo keys, seeded session tokens
    a = participant_a
    forged = Participant(shared_host=False, other_auth_url=a.info["auth_url"])  # B signs for A's URL
    try:
        assert not a.info["deterministic"]
        replay = httpx.get(f"{a.info['auth_url']}/api/auth/get-session", timeout=30,
                           headers={"authorization": f"Bearer {b['raw_session']}"})
        assert replay.status_code == 200 and replay.json() is None  # B's session token means nothing to A
        me = httpx.get(f"{a.info['api_url']}/api/me", timeout=30,
                       headers={"authorization": f"Bearer {forged.info['minted_for_other']}"})
        assert me.status_code == 401, me.text  # signed with the public demo key: A's keys are its own
    finally:
        forged.stop()


def test_without_the_shared_host_mark_the_same_replay_succeeds(participant_b):
    # The control case, why a hub must mark the host shared: two deterministic playgrounds draw the
    # same session tokens and sign with the same public demo keys.
    a = Participant(shared_host=False)
    forged = Participant(shared_host=False, other_auth_url=a.info["auth_url"])
    try:
        replay = httpx.get(f"{a.info['auth_url']}/api/auth/get-session", timeout=30,
                           headers={"authorization": f"Bearer {participant_b.info['raw_session']}"})
        assert replay.json()["user"]["email"] == "grace@example.com"
        me = httpx.get(f"{a.info['api_url']}/api/me", timeout=30,
                       headers={"authorization": f"Bearer {forged.info['minted_for_other']}"})
        assert me.status_code == 200
    finally:
        forged.stop()
        a.stop()


def test_another_process_cannot_take_the_participants_ports(participant_a):
    for port in participant_a.ports():
        for option in (socket.SO_REUSEADDR, socket.SO_REUSEPORT):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.setsockopt(socket.SOL_SOCKET, option, 1)
                with pytest.raises(OSError) as refused:
                    sock.bind(("127.0.0.1", port))
                    sock.listen()
                assert refused.value.errno == 98, (port, refused.value)  # EADDRINUSE


def _process_tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(p for child in children for p in _process_tree(int(child)))]


def test_the_controls_token_is_in_no_world_readable_place(shared_participant):
    a = shared_participant
    token = a.info["controls_token"].encode()
    tree = _process_tree(a.process.pid)
    assert len(tree) == (2 if a.issuer == "better-auth" else 1)  # the kernel, and Node for the real one
    for pid in tree:
        # Any user reads /proc/PID/cmdline; /proc/PID/environ only the process's own user.
        assert token not in Path(f"/proc/{pid}/cmdline").read_bytes(), pid
        assert os.stat(f"/proc/{pid}/environ").st_mode & 0o077 == 0, pid
    assert all(answer.status_code == 401 for answer in _stranger_calls(a.info["auth_url"]).values())


# A second OS user: what another participant on a hub (TLJH gives each one a user) can try.
STRANGER = r"""
import json, sys, urllib.error, urllib.request

auth_url, controls, pids = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
statuses = []
for method, path, body in controls:
    request = urllib.request.Request(auth_url + path, method=method, headers={"content-type": "application/json"},
                                     data=None if body is None else json.dumps(body).encode())
    try:
        statuses.append(urllib.request.urlopen(request, timeout=30).status)
    except urllib.error.HTTPError as error:
        statuses.append(error.code)
readable = {}
for pid in pids:
    try:
        readable[pid] = bool(open(f"/proc/{pid}/environ", "rb").read() or True)
    except PermissionError:
        readable[pid] = False
print(json.dumps({"statuses": statuses, "environ_readable": readable}))
"""
#: Debian's own Python (stdlib only): the stranger may not read this user's venv.
SYSTEM_PYTHON = "/usr/bin/python3"


def test_a_second_os_user_gets_nothing_from_the_participants_playground(shared_participant):
    if os.getuid() != 0:
        pytest.skip("running a process as another OS user needs root (CI runs as root)")
    a = shared_participant
    tree = _process_tree(a.process.pid)
    controls = [[c.method, c.path, c.body] for c in CONTROLS]
    stranger = subprocess.run([SYSTEM_PYTHON, "-c", STRANGER, a.info["auth_url"], json.dumps(controls),
                               json.dumps(tree)], user="nobody", group="nogroup", capture_output=True,
                              text=True, timeout=60, cwd="/")
    assert stranger.returncode == 0, stranger.stderr
    seen = json.loads(stranger.stdout)
    assert seen["statuses"] == [401] * len(CONTROLS)
    assert seen["environ_readable"] == {str(pid): False for pid in tree}  # the real Better Auth's token is there
