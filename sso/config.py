"""Which OpenID Provider devcenter signs people in with, read from the settings at call time.

Nothing here touches the network: `discovery` fetches what the provider publishes.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_secret: str
    name: str
    groups_claim: str

    @property
    def origin(self) -> str:
        return origin_of(self.issuer)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def provider() -> ProviderConfig | None:
    """The configured provider, or None: then only local accounts sign in."""
    issuer = getattr(settings, "OIDC_ISSUER", "")
    if not issuer:
        return None
    return ProviderConfig(
        issuer=issuer,
        client_id=settings.OIDC_RP_CLIENT_ID,
        client_secret=settings.OIDC_RP_CLIENT_SECRET,
        name=settings.OIDC_PROVIDER_NAME or urlsplit(issuer).hostname or issuer,
        groups_claim=settings.OIDC_GROUPS_CLAIM,
    )
