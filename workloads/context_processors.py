"""How often the live parts of the pages poll, and for how long at most (the settings, in seconds)."""

from django.conf import settings


def polling(request):
    return {
        "poll": {
            "refresh": settings.REFRESH_POLL_SECONDS,
            "in_flight": settings.IN_FLIGHT_POLL_SECONDS,
            "logs": settings.LOGS_POLL_SECONDS,
            "details": settings.DETAILS_POLL_SECONDS,
            "max_seconds": settings.LIVE_UPDATES_MAX_SECONDS,
        }
    }
