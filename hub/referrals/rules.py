"""Routing rules: the TOML file, validated into typed rules.

The default file ships with the package (``rules.toml``); a deployment points
``HUB_ROUTING_RULES_FILE`` at its own. See the comments of ``rules.toml`` for the format.
"""

from __future__ import annotations

import hashlib
import tomllib
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Self

from data_inclusion.schema.v1 import ReseauPorteur
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from hub.organisations.models import OrganisationKind
from hub.referrals.vocabulary import ReferralSource
from schemas.v1.models import ThematiqueCode

DEFAULT_RULES = "rules.toml"


class RoutingRulesError(Exception):
    """The rules file cannot be used; the message says where and why (one line)."""


class Action(StrEnum):
    ROUTE = "route"
    """Send the referral to the best service of the target (else of the fallback)."""
    HOLD = "hold"
    """Do not route: the referral stays with the coordinator (reason: the rule's why)."""
    PRIORITISE = "prioritise"
    """Mark the referral urgent: its recipient serves it first."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


AgeRange = Annotated[list[Annotated[int, Field(ge=0, le=120)]], Field(min_length=2, max_length=2)]


class Conditions(_Strict):
    """Facts a rule needs; all must hold. An unknown fact satisfies no condition."""

    age: AgeRange | None = None
    age_outside: AgeRange | None = None
    age_known: bool | None = None
    known_to_mission_locale: bool | None = None
    lives_in_qpv: bool | None = None
    rural: bool | None = None
    in_m2a: bool | None = None
    needs_any: list[ThematiqueCode] | None = Field(default=None, min_length=1)
    sources: list[ReferralSource] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _ranges_in_order(self) -> Self:
        for name in ("age", "age_outside"):
            bounds = getattr(self, name)
            if bounds is not None and bounds[0] > bounds[1]:
                raise ValueError(f"{name}: the lower bound comes first")
        return self


class NeedsMode(StrEnum):
    RANK = "rank"
    REQUIRED = "required"


class Target(_Strict):
    """Which services may take the referral. Given selectors must all hold."""

    organisation_kinds: list[OrganisationKind] | None = Field(default=None, min_length=1)
    reseaux_porteurs: list[ReseauPorteur] | None = Field(default=None, min_length=1)
    services: list[Annotated[str, StringConstraints(min_length=1)]] | None = Field(
        default=None, min_length=1
    )
    needs: NeedsMode = NeedsMode.RANK

    @model_validator(mode="after")
    def _selects_something(self) -> Self:
        if not (self.organisation_kinds or self.reseaux_porteurs or self.services):
            raise ValueError("a target names organisation_kinds, reseaux_porteurs or services")
        return self


class Rule(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    why: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    action: Action
    when: Conditions = Field(default_factory=Conditions)
    target: Target | None = None
    fallback: Target | None = None

    @model_validator(mode="after")
    def _target_matches_action(self) -> Self:
        if self.action is Action.ROUTE and self.target is None:
            raise ValueError("a 'route' rule needs a target")
        if self.action is not Action.ROUTE and (self.target or self.fallback):
            raise ValueError(f"a '{self.action}' rule takes no target or fallback")
        return self


class RuleSet(_Strict):
    version: Literal[1]
    name: str = "routing rules"
    rules: list[Rule] = Field(alias="rule", min_length=1)
    digest: str = Field(default="", description="SHA-256 (12 hex) of the file's bytes.")

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self

    @property
    def label(self) -> str:
        """``name@digest``: which rules decided, stored with every decision."""
        return f"{self.name}@{self.digest}"


def parse_rules(raw: bytes, *, origin: str = "rules") -> RuleSet:
    """Validate the bytes of a rules file; raise :class:`RoutingRulesError` in one line."""
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RoutingRulesError(f"{origin}: not valid TOML: {exc}") from exc
    document["digest"] = hashlib.sha256(raw).hexdigest()[:12]
    try:
        return RuleSet.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _location(document, first.get("loc", ()))
        raise RoutingRulesError(
            f"{origin}: {where}: {first.get('msg', 'invalid')}"
            + (f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else "")
        ) from exc


def _location(document: dict[str, object], loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    rules = document.get("rule")
    for index, part in enumerate(loc):
        if part == "rule" and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            position = loc[index + 1]
            assert isinstance(position, int)
            rule_id = None
            if (
                isinstance(rules, list)
                and position < len(rules)
                and isinstance(rules[position], dict)
            ):
                rule_id = rules[position].get("id")
            parts.append(f"rule #{position + 1}" + (f" ({rule_id})" if rule_id else ""))
        elif index > 0 and loc[index - 1] == "rule" and isinstance(part, int):
            continue
        else:
            parts.append(str(part))
    return ".".join(parts) or "(file)"


def default_rules_bytes() -> bytes:
    return resources.files("hub.referrals").joinpath(DEFAULT_RULES).read_bytes()


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules in ``path``, or the shipped default. Cached until the file changes."""
    if path is None:
        return _default_rules()
    try:
        stat = path.stat()
    except OSError as exc:
        raise RoutingRulesError(f"{path}: cannot read the routing rules ({exc.strerror})") from exc
    return _cached_rules(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    return parse_rules(default_rules_bytes(), origin=f"hub/referrals/{DEFAULT_RULES}")


@lru_cache(maxsize=8)
def _cached_rules(path: str, _mtime_ns: int, _size: int) -> RuleSet:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RoutingRulesError(f"{path}: cannot read the routing rules ({exc.strerror})") from exc
    return parse_rules(raw, origin=path)
