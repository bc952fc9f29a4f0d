"""Rate limiting per token (API_RATE, e.g. 600/minute): each personal token has its own budget, so one
runaway script does not lock its owner's other tools out; the browser's session counts as one more."""

from knox.models import AuthToken
from rest_framework.throttling import SimpleRateThrottle


class PerTokenThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, AuthToken):
            ident = f"token-{request.auth.token_key}"
        elif request.user and request.user.is_authenticated:
            ident = f"session-{request.user.pk}"
        else:
            return None  # refused before it counts: every endpoint needs a login
        return self.cache_format % {"scope": self.scope, "ident": ident}
