"""Label and field selectors: parsing the query-string syntax and matching objects.

Label syntax (as the real API server): `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
`k` (exists), `!k` (does not exist); a comma means AND. Field selectors support `=`, `==`
and `!=` on dotted paths such as `metadata.name` and `status.phase`.
"""

import re
from dataclasses import dataclass

from kubesim.errors import bad_request

_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_VALUE = r"[-A-Za-z0-9_.]*"
_SET_RE = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s+\(([^)]*)\)\s*$")
_CMP_RE = re.compile(rf"^\s*({_KEY})\s*(==|!=|=)\s*({_VALUE})\s*$")
_EXISTS_RE = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!exists"
    values: frozenset

    def matches(self, labels: dict) -> bool:
        present = self.key in labels
        if self.op == "=":
            return present and labels[self.key] in self.values
        if self.op == "in":
            return present and labels[self.key] in self.values
        if self.op == "!=" or self.op == "notin":
            return not present or labels[self.key] not in self.values
        if self.op == "exists":
            return present
        return not present


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not inside `( )`."""
    terms, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(char)
    terms.append("".join(current))
    return [term for term in terms if term.strip()]


def parse_label_selector(text: str | None) -> list[Requirement]:
    if not text:
        return []
    requirements = []
    for term in _split_terms(text):
        if match := _SET_RE.match(term):
            values = frozenset(v.strip() for v in match.group(3).split(",") if v.strip())
            requirements.append(Requirement(match.group(1), match.group(2), values))
        elif match := _CMP_RE.match(term):
            op = "=" if match.group(2) in ("=", "==") else "!="
            requirements.append(Requirement(match.group(1), op, frozenset([match.group(3)])))
        elif match := _EXISTS_RE.match(term):
            requirements.append(Requirement(match.group(2), "!exists" if match.group(1) else "exists", frozenset()))
        else:
            raise bad_request(_parse_error(term))
    return requirements


def _parse_error(term: str) -> str:
    """The label-selector parser's words for the common mistakes (as the server's lexer says them)."""
    words = term.split()
    if len(words) > 1 and not any(op in term for op in ("=", "!", "(")):
        return f"unable to parse requirement: found '{words[1]}', expected: '=', '!=', '==', 'in', notin'"
    if term.count("=") > 1 and "==" not in term and "!=" not in term:
        return "found '=', expected: ',' or 'end of string'"
    return f"unable to parse requirement: invalid label selector: {term.strip()!r}"


def labels_match(requirements: list[Requirement], labels: dict | None) -> bool:
    labels = labels or {}
    return all(requirement.matches(labels) for requirement in requirements)


def selector_from_match_labels(selector: dict | None) -> list[Requirement]:
    """A `LabelSelector` object (matchLabels + matchExpressions) as requirements."""
    selector = selector or {}
    requirements = [Requirement(k, "=", frozenset([v])) for k, v in (selector.get("matchLabels") or {}).items()]
    operators = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!exists"}
    for expression in selector.get("matchExpressions") or []:
        requirements.append(
            Requirement(expression["key"], operators[expression["operator"]], frozenset(expression.get("values") or []))
        )
    return requirements


@dataclass(frozen=True)
class FieldRequirement:
    path: tuple
    equal: bool
    value: str

    def matches(self, obj: dict) -> bool:
        current = obj
        for part in self.path:
            current = current.get(part) if isinstance(current, dict) else None
        actual = "" if current is None else str(current)
        return (actual == self.value) == self.equal


_FIELD_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.]*)\s*(==|!=|=)\s*(.*?)\s*$")


def parse_field_selector(text: str | None) -> list[FieldRequirement]:
    if not text:
        return []
    requirements = []
    for term in _split_terms(text):
        match = _FIELD_RE.match(term)
        if not match:
            raise bad_request(f"invalid field selector: {term.strip()!r}")
        path = tuple(match.group(1).split("."))
        requirements.append(FieldRequirement(path, match.group(2) != "!=", match.group(3)))
    return requirements


def fields_match(requirements: list[FieldRequirement], obj: dict) -> bool:
    return all(requirement.matches(obj) for requirement in requirements)
