"""What routing needs from the deployment: the rules, the rurality grid, the feed timeout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from hub.referrals.rules import RuleSet, load_rules
from hub.settings import Settings
from schemas.territory import RuralityTable, load_rurality


@dataclass(frozen=True)
class RoutingContext:
    rules: RuleSet
    rurality: RuralityTable
    visibility: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> RoutingContext:
        """Raises :class:`~hub.referrals.rules.RoutingRulesError` on a bad rules file."""
        return cls(
            rules=load_rules(settings.routing_rules_file),
            rurality=_rurality(settings.rurality_file),
            visibility=timedelta(seconds=settings.matches_visibility_timeout_seconds),
        )


@lru_cache(maxsize=4)
def _rurality(path: Path | None) -> RuralityTable:
    return load_rurality(path)
