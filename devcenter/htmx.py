"""htmx plumbing shared by every app: one view serves a page and its `{% partialdef %}` fragment."""

from django.utils.cache import patch_vary_headers


def wants_fragment(request) -> bool:
    """An htmx swap (not a boosted navigation, not a history restore) gets only the fragment."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def fragment_or_page(request, template_name: str, fragment: str) -> str:
    return f"{template_name}#{fragment}" if wants_fragment(request) else template_name


class FragmentMixin:
    """Serve `template_name` or its `{% partialdef %}` `fragment_name`, with Vary: HX-Request."""

    fragment_name = ""

    def get_template_names(self):
        return [fragment_or_page(self.request, self.template_name, self.fragment_name)]

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        patch_vary_headers(response, ["HX-Request"])
        return response
