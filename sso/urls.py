"""Single sign-on URLs, under the names mozilla-django-oidc reverses."""

from django.urls import path

from sso import views

urlpatterns = [
    path("authenticate/", views.StartSignInView.as_view(), name="oidc_authentication_init"),
    path("callback/", views.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("logout/", views.SignOutView.as_view(), name="oidc_logout"),
]
