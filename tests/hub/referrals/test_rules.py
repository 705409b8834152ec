"""The routing rules file: the shipped default, and one-line errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.referrals.rules import (
    Action,
    RoutingRulesError,
    default_rules_bytes,
    load_rules,
    parse_rules,
)

runner = CliRunner()

MINIMAL = b"""
version = 1
name = "test"

[[rule]]
id = "everyone-to-ml"
why = "Everyone goes to the Mission Locale."
action = "route"
target.organisation_kinds = ["mission_locale"]
"""


def test_shipped_rules_cover_the_programme() -> None:
    rules = load_rules()
    ids = [rule.id for rule in rules.rules]
    assert ids == [
        "out-of-public",
        "qpv-first",
        "rural-first",
        "back-to-mission-locale",
        "obligation-de-formation",
        "mission-locale-16-25",
        "partners-26-29",
        "age-unknown",
    ]
    assert all(rule.why for rule in rules.rules)
    assert rules.label.startswith("INVISIBLES default routing rules@")
    partners = next(rule for rule in rules.rules if rule.id == "partners-26-29")
    assert partners.fallback is not None
    assert [r.value for r in partners.fallback.reseaux_porteurs or []] == ["france-travail"]


def test_digest_changes_with_the_file() -> None:
    first = parse_rules(MINIMAL)
    second = parse_rules(MINIMAL + b"\n# a comment\n")
    assert first.digest != second.digest
    assert parse_rules(default_rules_bytes()).digest == load_rules().digest


def test_rules_file_is_reloaded_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(MINIMAL)
    assert [r.id for r in load_rules(path).rules] == ["everyone-to-ml"]
    path.write_bytes(MINIMAL.replace(b"everyone-to-ml", b"all-to-ml") + b"\n")
    assert [r.id for r in load_rules(path).rules] == ["all-to-ml"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"version = 1\n[[rule]\n", "not valid TOML"),
        (b"version = 2\n" + MINIMAL.split(b"\n", 2)[2], "version"),
        (MINIMAL.replace(b'action = "route"', b'action = "teleport"'), "rule #1 (everyone-to-ml)"),
        (MINIMAL.replace(b"target.organisation_kinds", b"target.organisation_kind"), "target"),
        (MINIMAL.replace(b"mission_locale", b"ministry"), "organisation_kinds"),
        (MINIMAL + MINIMAL.split(b'name = "test"', 1)[1], "used twice"),
        (
            MINIMAL.replace(b'action = "route"', b'action = "route"\nwhen.age = [25, 16]'),
            "lower bound",
        ),
        (MINIMAL.replace(b'action = "route"', b'action = "prioritise"'), "takes no target"),
        (
            MINIMAL.replace(b'action = "route"', b'action = "route"\nwhen.needs_any = ["x"]'),
            "thématique",
        ),
    ],
)
def test_bad_files_fail_in_one_line_naming_the_rule(text: bytes, message: str) -> None:
    with pytest.raises(RoutingRulesError) as caught:
        parse_rules(text, origin="rules.toml")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_route_rule_needs_a_target() -> None:
    text = MINIMAL.replace(b'target.organisation_kinds = ["mission_locale"]', b"")
    with pytest.raises(RoutingRulesError, match="needs a target"):
        parse_rules(text)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RoutingRulesError, match="cannot read"):
        load_rules(tmp_path / "absent.toml")


def test_cli_checks_the_default_and_a_given_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["referrals", "rules", "check"])
    assert result.exit_code == 0, result.output
    assert "mission-locale-16-25" in result.stdout
    assert "valid" in result.stdout
    bad = tmp_path / "bad.toml"
    bad.write_bytes(MINIMAL.replace(b'action = "route"', b'action = "teleport"'))
    result = runner.invoke(app, ["referrals", "rules", "check", str(bad)])
    assert result.exit_code == 1
    assert "rule #1 (everyone-to-ml)" in str(result.exception)


def test_actions_are_the_three_documented_ones() -> None:
    assert {a.value for a in Action} == {"route", "hold", "prioritise"}
