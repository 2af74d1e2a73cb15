"""The SECRET_KEY rule: with DEBUG off, a key anyone could know or guess stops start-up.

Django signs sessions, password-reset links and CSRF tokens with it: a short or published key
lets anyone forge them. The limits are those of Django's own `check --deploy` (security.W009),
enforced at start-up instead of reported on demand.
"""

MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5
# Django's generated development keys (`startproject`) carry this prefix.
INSECURE_PREFIX = "django-insecure-"
# What `make run` uses when no key is given (DEBUG on only).
DEVELOPMENT_KEY = "insecure-development-key-used-only-with-DEBUG-on"  # noqa: S105
# Words from tutorials and templates; a key made only of them, repeated, is no better.
KNOWN_WEAK_WORDS = (
    "changeme", "change-me", "change_me", "secret", "secretkey", "secret-key", "secret_key",
    "password", "django", "insecure", "default", "example", "test", "dev", "your-secret-key",
    DEVELOPMENT_KEY.lower(),
)


def secret_key_weakness(key: str) -> str:
    """Why `key` must not sign production sessions ("" when it may)."""
    if key.startswith(INSECURE_PREFIX):
        return f"starts with {INSECURE_PREFIX!r} (a generated development key)"
    lowered = key.lower()
    for word in KNOWN_WEAK_WORDS:
        if not lowered.replace(word, ""):
            return f"is a known weak value ({word!r})"
    if len(key) < MIN_LENGTH:
        return f"has {len(key)} characters; at least {MIN_LENGTH} are required"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return f"has fewer than {MIN_UNIQUE_CHARACTERS} different characters"
    return ""
