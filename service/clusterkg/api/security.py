"""Security headers on every response: what a page may load, who may frame it, what it may leak.

- ``Content-Security-Policy`` (CSP Level 3, https://www.w3.org/TR/CSP3/): everything from this
  origin only, which holds because no asset comes from a CDN. Styles allow ``'unsafe-inline'``:
  YASGUI applies inline styles when it draws results (Chromium refuses them otherwise), and
  the partner-search page draws its score bars with ``style`` attributes.
  Scripts do not, except on ``/docs``, whose page is FastAPI's ``get_swagger_ui_html``: one
  inline script that starts Swagger UI and reflects nothing from the request.
  ``frame-ancestors 'none'`` (with ``X-Frame-Options: DENY`` for older browsers) forbids
  framing everywhere a route does not say otherwise.
- A route that sets its own ``Content-Security-Policy`` keeps it, unchanged: the embeddable
  views (``/view/*``, the networks router) allow framing by the configured origins there.
  ``X-Frame-Options`` is then left out, since it would contradict ``frame-ancestors``.
- ``X-Content-Type-Options: nosniff`` (Fetch standard §3.5): a browser never runs a JSON or
  text answer as a script or style.
- ``Referrer-Policy: same-origin``: links out of the site (foaf:page) do not tell the other
  host which page, and so which query or search, the reader came from.

CORS headers are not added here: the networks router allows cross-origin reads on
``/api/networks/*`` and nothing else does.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: Paths whose page needs more than ``POLICY``, and the directives they replace.
EXCEPTIONS: dict[str, dict[str, str]] = {
    "/docs": {"script-src": "'self' 'unsafe-inline'"},
}


def policy_for(path: str) -> str:
    """The Content-Security-Policy for a response to ``path`` (when the route sets none)."""
    directives = dict(POLICY)
    directives.update(EXCEPTIONS.get(path, {}))
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """ASGI middleware adding the headers above to every HTTP response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                own = headers.get("content-security-policy")
                if own is None:
                    headers["Content-Security-Policy"] = policy_for(path)
                if "frame-ancestors" not in (own or "") and "x-frame-options" not in headers:
                    headers["X-Frame-Options"] = "DENY"
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["POLICY", "SecurityHeadersMiddleware", "policy_for"]
