"""Helpers for lesson 07c (revocation and replay): measure what each credential still opens at
chosen moments after sign-out, and render it as a table.

Nothing here is asserted from documentation: a ``Timeline`` holds answers measured from the
running servers. ``measure`` moves time with the playground (``pg.advance``), runs the scheduled
``events`` (sign-out, key rotation) when their moment comes, and asks every ``Probe`` at every
offset. The real Better Auth reads Node's clock, which cannot move: a probe whose answer depends
on the auth server's clock is then measured only up to ``issuer_horizon`` seconds (the moments
the real clock has actually reached), and left unmeasured (``None``) after it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Probe:
    """One credential presented to one server: ``accepted()`` is True when the server lets it in.

    ``issuer_clock``: the answer depends on the auth server's clock (e.g. the cookie cache's
    ``maxAge``, checked by Better Auth itself), not only on the backend's.
    """

    label: str
    accepted: Callable[[], bool]
    issuer_clock: bool = False


@dataclass(frozen=True)
class Timeline:
    """Measured answers: ``rows[label][i]`` is the answer at ``offsets[i]`` seconds after the start
    (True accepted, False refused, None not measurable with this auth server)."""

    offsets: tuple[float, ...]
    rows: Mapping[str, tuple[bool | None, ...]]
    events: Mapping[float, str]

    def answer(self, label: str, offset: float) -> bool | None:
        return self.rows[label][self.offsets.index(offset)]

    def to_markdown(self) -> str:
        """A Markdown table: one row per probe, one column per offset (m:ss), ✓ / ✗ / –."""
        def moment(offset: float) -> str:
            minutes, seconds = divmod(int(offset), 60)
            return f"{minutes}:{seconds:02d}"

        symbols = {True: "✓", False: "✗", None: "–"}
        lines = ["| credential → checked by | " + " | ".join(moment(o) for o in self.offsets) + " |",
                 "|---|" + "---|" * len(self.offsets)]
        lines += [f"| {label} | " + " | ".join(symbols[a] for a in answers) + " |"
                  for label, answers in self.rows.items()]
        if self.events:
            lines.append("")
            lines.append("Events: " + "; ".join(f"{moment(t)} {name}" for t, name in sorted(self.events.items())) + ".")
        return "\n".join(lines)


def measure(probes: Sequence[Probe], offsets: Sequence[float], *, now: Callable[[], float],
            advance: Callable[[float], None], events: Mapping[float, tuple[str, Callable[[], None]]] = {},
            issuer_horizon: float | None = None, start: float | None = None) -> Timeline:
    """Ask every probe at every offset (seconds after ``start``), in time order.

    ``start``: the moment offsets count from, on the ``now()`` clock (default: ``now()`` at the
    call); pass the credentials' issue time (a JWT's ``iat``) when real seconds pass before
    measuring. ``advance(seconds)`` moves time forward (``pg.advance``); ``events[t] = (name,
    action)`` runs ``action`` once time reaches ``t``, before the probes of that moment. ``issuer_horizon``: with
    an auth server whose clock cannot move, the last offset at which ``issuer_clock`` probes are
    still true to the timeline (``None``: its clock moves with ``advance``, measure them all).
    """
    if list(offsets) != sorted(set(offsets)) or not offsets or offsets[0] < 0:
        raise ValueError("offsets must be non-negative, distinct and in increasing order")
    start = now() if start is None else start
    pending = sorted(events.items())
    answers: dict[str, list[bool | None]] = {probe.label: [] for probe in probes}
    if len(answers) != len(probes):
        raise ValueError("probe labels must be distinct")

    def move_to(offset: float) -> None:
        step = start + offset - now()
        if step < 0:
            raise ValueError(f"{offset} s after start has already passed: time can only move forward")
        advance(step)

    for offset in offsets:
        while pending and pending[0][0] <= offset:
            at, (_, action) = pending.pop(0)
            move_to(at)
            action()
        move_to(offset)
        for probe in probes:
            unmeasurable = probe.issuer_clock and issuer_horizon is not None and offset > issuer_horizon
            answers[probe.label].append(None if unmeasurable else bool(probe.accepted()))
    return Timeline(tuple(offsets), {label: tuple(a) for label, a in answers.items()},
                    {at: name for at, (name, _) in events.items()})


__all__ = ["Probe", "Timeline", "measure"]
