"""How well a service's thématiques answer a person's needs (pure functions).

Needs are data·inclusion thématiques (``logement-hebergement--louer-un-logement``) or whole
categories (``logement-hebergement``): sources often only know the broad theme.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SEPARATOR = "--"


def category_of(code: str) -> str:
    """The category of a thématique (the part before ``--``); a category is its own."""
    return code.split(SEPARATOR, 1)[0]


@dataclass(frozen=True)
class NeedMatch:
    """Needs a service answers: exactly (same thématique, or the category asked for) or only
    through the same category (a neighbouring thématique)."""

    exact: tuple[str, ...]
    related: tuple[str, ...]

    @property
    def score(self) -> int:
        return 2 * len(self.exact) + len(self.related)

    @property
    def any(self) -> bool:
        return bool(self.exact or self.related)


def match_needs(service_thematiques: Iterable[str], needs: Iterable[str]) -> NeedMatch:
    offered = set(service_thematiques)
    offered_categories = {category_of(code) for code in offered}
    exact: list[str] = []
    related: list[str] = []
    for need in dict.fromkeys(needs):
        is_category = SEPARATOR not in need
        if need in offered or (is_category and need in offered_categories):
            exact.append(need)
        elif category_of(need) in offered_categories:
            related.append(need)
    return NeedMatch(tuple(exact), tuple(related))


def thematique_filter_matches(service_thematiques: Iterable[str], wanted: str) -> bool:
    """The ``thematique`` filter of the API: a thématique, or a category and all its own."""
    if SEPARATOR in wanted:
        return wanted in set(service_thematiques)
    return any(category_of(code) == wanted for code in service_thematiques)
