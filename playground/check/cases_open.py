"""Routes that answer without any credential. Most apps have a few on purpose (a health check, a
public feed), so the checker cannot call one a hole; but the ones nobody meant (a debug dump left
mounted, an old router whose ``include_router`` lost its dependency, a middleware that exempts a
prefix too broadly) look exactly like them to discovery, which then grades around them in silence.
This case names them, so a person decides."""

from __future__ import annotations

from .case import Outcome, not_applicable
from .cases import case
from .context import Context

#: Last path segments of routes that are public by their nature.
PUBLIC_BY_NATURE = ("health", "healthz", "health-check", "healthcheck", "ready", "readyz", "live", "livez", "ping",
                    "version", "public")


@case("open-routes-named", group="methods", weight="advisory",
      title="every documented GET route that answers without any credential is meant to be public",
      expect="401 without a credential on each route that is not public on purpose (the list shows each that "
             "answered 2xx; --public names the one you meant)",
      fix="give each route its dependency (include_router(..., dependencies=[Depends(current_user)]) for a "
          "whole router); remove debug routes from production builds; match middleware exemptions by whole "
          "path segments, not by prefix")
def open_routes_named(ctx: Context) -> Outcome:
    if ctx.routes.document is None:
        return not_applicable("not run: the app serves no OpenAPI document to list its routes from")
    public = (ctx.public or "").split("?")[0].rstrip("/")
    candidates = [op.path for op in ctx.routes.operations
                  if op.method == "GET" and not op.path_params and not op.query_params
                  and op.path.rstrip("/") != public
                  and op.path.rstrip("/").rsplit("/", 1)[-1].lower() not in PUBLIC_BY_NATURE]
    if not candidates:
        return not_applicable("not run: every documented GET route takes parameters or is the public one")
    answers = [ctx.send(path, method="GET", describe="no credential (is this route meant to be public?)")
               for path in dict.fromkeys(candidates)]
    open_ = [answer for answer in answers if 200 <= answer.status < 300]
    if open_:
        names = ", ".join(answer.path for answer in open_)
        return Outcome(False, open_, f"{len(open_)} route(s) answered 2xx without any credential: {names}",
                       culprit=open_[0])
    return Outcome(True, answers)
