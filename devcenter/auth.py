"""Signing in: the login page with "Keep me signed in", and what a locked-out person sees.

django-axes counts failed sign-ins (settings: AXES_*); `lockout_response` is the page it shows,
on the login page and on the Django admin's alike.
"""

import math
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.shortcuts import render

from projects.models import Cluster
from sso.config import provider

LOGIN_TEMPLATE = LOCKOUT_TEMPLATE = "registration/login.html"


class SignInForm(AuthenticationForm):
    keep_signed_in = forms.BooleanField(label="Keep me signed in", required=False)


def workspace_hosts() -> set[str]:
    """Hosts a sign-in may lead back to besides this one: the clusters' workspace base URLs."""
    bases = Cluster.objects.exclude(workload_base_url="").values_list("workload_base_url", flat=True)
    return {urlsplit(base).netloc for base in bases}


def sign_in_context() -> dict:
    """What the sign-in page needs beyond the form: the provider's name when single sign-on
    is configured (its button shows only then)."""
    config = provider()
    return {"sso_provider": config.name if config else ""}


class SignInView(LoginView):
    """Without "Keep me signed in" the session ends with the browser; with it, it lasts
    SESSION_COOKIE_AGE. Either way the server forgets it after SESSION_COOKIE_AGE.

    Its `next` may also lead back to a workspace, on the host of a cluster's workspace base
    URL: the ingress sends an anonymous visitor here (`auth-signin`)."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def get_success_url_allowed_hosts(self, request=None):
        return {*super().get_success_url_allowed_hosts(request), *workspace_hosts()}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **sign_in_context()}

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.cleaned_data["keep_signed_in"]:
            self.request.session.set_expiry(0)
        return response


# AccessAttempt.username's column: Django's login forms do not check the username's length
# before authenticating, and a longer one made django-axes' INSERT fail (a 500).
THROTTLED_USERNAME_LENGTH = 255


def throttled_username(request, credentials=None):
    """The username django-axes counts failures for (AXES_USERNAME_CALLABLE). No account has a
    username that long, so cutting it changes no one's count."""
    username = (credentials or {}).get("username") if credentials else getattr(request, "data", request.POST).get("username")
    return username[:THROTTLED_USERNAME_LENGTH] if isinstance(username, str) else username


def lockout_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(request, original_response=None, credentials=None):
    """429: the login page, saying how long to wait (every new try restarts the wait)."""
    minutes = lockout_minutes()
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        **sign_in_context(),
        "form": SignInForm(request, initial={"username": username}),
        "next": request.POST.get("next", ""),
        "lockout_minutes": minutes,
    }
    response = render(request, LOCKOUT_TEMPLATE, context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
