"""Single sign-on: OpenID Connect sign-in (mozilla-django-oidc) beside the local accounts."""
