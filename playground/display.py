"""Rich notebook displays: a decoded JWT, colour-coded like the three parts of its compact form.

Displays only *decode* (base64url + JSON); they never claim a token is valid. Verification is
``playground.backend``'s job. The HTML is static (no JavaScript), so it renders the same in a
trusted or untrusted notebook and compares cleanly under nbval.
"""

from __future__ import annotations

import binascii
import html
import json
from datetime import UTC, datetime

from playground.clock import Clock
from playground.jose import b64url_decode

# The colours jwt.io uses for header, payload and signature: learners recognise them.
PART_COLOURS = ("#fb015b", "#d63aff", "#00b9f1")
TIME_CLAIMS = ("iat", "nbf", "exp")


class TokenView:
    """A compact JWT split into its parts and decoded, for display.

    ``clock`` (optional) adds how far each time claim lies from that clock's *now*.
    """

    def __init__(self, token: str, *, clock: Clock | None = None) -> None:
        self.token = token
        self.clock = clock
        parts = token.split(".")
        if len(parts) != 3:
            raise ValueError(f"a compact JWS has 3 dot-separated parts, this one has {len(parts)}")
        self.parts = parts
        try:
            self.header = json.loads(b64url_decode(parts[0]))
            self.payload = json.loads(b64url_decode(parts[1]))
            self.signature = b64url_decode(parts[2])
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"not a decodable JWT: {exc}") from exc

    def time_notes(self) -> dict[str, str]:
        """``{"exp": "2026-01-01T09:15:00Z (in 15m 0s)", ...}`` for the time claims present."""
        notes = {}
        for claim in TIME_CLAIMS:
            value = self.payload.get(claim)
            if not isinstance(value, (int, float)):
                continue
            note = datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if self.clock is not None:
                note += f" ({_relative(value - self.clock.now())})"
            notes[claim] = note
        return notes

    def __repr__(self) -> str:
        lines = [f"header    {json.dumps(self.header)}", "payload"]
        notes = self.time_notes()
        for name, value in self.payload.items():
            suffix = f"   # {notes[name]}" if name in notes else ""
            lines.append(f"  {name}: {json.dumps(value)}{suffix}")
        lines.append(f"signature {len(self.signature)} bytes")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        coloured = ".".join(
            f'<span style="color:{colour}">{html.escape(part)}</span>'
            for part, colour in zip(self.parts, PART_COLOURS, strict=True))  # three parts: __init__ checked
        notes = self.time_notes()
        payload_rows = "".join(
            f"<tr><td><code>{html.escape(name)}</code></td>"
            f"<td><code>{html.escape(json.dumps(value))}</code></td>"
            f"<td>{html.escape(notes.get(name, ''))}</td></tr>"
            for name, value in self.payload.items())
        header_json = html.escape(json.dumps(self.header, indent=2))
        return (
            '<div style="font-family:monospace">'
            f'<div style="word-break:break-all;margin-bottom:0.5em">{coloured}</div>'
            f'<div style="border-left:4px solid {PART_COLOURS[0]};padding-left:0.5em">'
            f"<b>Header</b><pre>{header_json}</pre></div>"
            f'<div style="border-left:4px solid {PART_COLOURS[1]};padding-left:0.5em">'
            f"<b>Payload</b><table>{payload_rows}</table></div>"
            f'<div style="border-left:4px solid {PART_COLOURS[2]};padding-left:0.5em">'
            f"<b>Signature</b> {len(self.signature)} bytes: "
            f"<code>{self.signature.hex()[:32]}…</code></div>"
            "</div>")


def _relative(seconds: float) -> str:
    magnitude = abs(int(seconds))
    minutes, secs = divmod(magnitude, 60)
    span = f"{minutes}m {secs}s" if minutes else f"{secs}s"
    return f"in {span}" if seconds >= 0 else f"{span} ago"


def diagnosis_html(diagnosis) -> str:
    """The token doctor's findings (``playground.doctor.Diagnosis``) as a static HTML table:
    a verdict, the expected configuration, then one row per check with cause and fix."""
    verdict, colour = diagnosis.verdict, "#1a7f37" if diagnosis.accepted else "#cf222e"
    expected = "".join(
        f"<tr><td>{html.escape(name)}</td><td><code>{html.escape(str(value))}</code></td></tr>"
        for name, value in diagnosis.expected.items())
    rows = []
    for finding in diagnosis.findings:
        # A warning (something left unchecked) is neither a pass nor a failure: its own mark.
        marks = {"ok": ("&#10004;", "#1a7f37"), "warning": ("!", "#9a6700")}
        mark, tint = marks.get(finding.status, ("&#10008;", "#cf222e"))
        code = f" <code>{html.escape(finding.reason.value)}</code>" if finding.reason else ""
        detail = "".join(
            f"<div><i>{label}:</i> {html.escape(text)}</div>"
            for label, text in (("cause", finding.cause), ("fix", finding.fix)) if text)
        rows.append(
            f'<tr><td style="color:{tint}">{mark}</td>'
            f"<td><b>{html.escape(finding.check)}</b></td>"
            f"<td>{html.escape(finding.message)}{code}{detail}</td></tr>")
    return (
        '<div style="font-family:sans-serif">'
        f'<div style="font-weight:bold;color:{colour}">Token {verdict}</div>'
        f'<table style="font-size:90%">{expected}</table>'
        f"<table>{''.join(rows)}</table></div>")
