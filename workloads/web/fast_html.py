"""format_html at the cost of str.format: the Workloads rows build ~40 snippets a row.

Django's format_html runs conditional_escape and escape through keep_lazy wrappers (a scan of
every argument for lazy strings) and mark_safe's checks, about half of a row's cost at 25 rows.
Here a value is escaped by the standard library (what django.utils.html.escape does) unless it
is already safe (__html__), and the result is a SafeString: the same markup, escaped the same way.
"""

from html import escape as _escape

from django.utils.safestring import SafeString


def escaped(value) -> str:
    """The value as HTML: a safe string as it is, anything else escaped (quotes included)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape(str(value))


def html(template: str, *args) -> SafeString:
    """format_html(template, *args): every argument escaped unless safe, the result safe."""
    return SafeString(template.format(*[escaped(arg) for arg in args]))


def joined(parts, separator="") -> SafeString:
    """Safe snippets joined into one (each already escaped by `html`)."""
    return SafeString(separator.join(parts))
