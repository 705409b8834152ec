"""Small typed factories of data·inclusion services for tests (synthetic)."""

from __future__ import annotations

from typing import Any

M2A = "200066009"


def service_json(
    service_id: str,
    *,
    organisation: str,
    kind: str = "partner",
    thematiques: list[str] | None = None,
    publics: list[str] | None = None,
    zone: list[str] | None = None,
    reseaux: list[str] | None = None,
    capacity: int | None = None,
    delay: int = 14,
    name: str | None = None,
) -> dict[str, Any]:
    """One service in the import file format (data·inclusion v1 + the ``hub`` object)."""
    return {
        "source": "tests",
        "structure_id": f"tests--{organisation.lower().replace(' ', '-')}",
        "id": service_id,
        "nom": name or f"Service {service_id}",
        "description": "Service fictif pour les tests automatiques du hub.",
        "date_maj": "2025-01-15",
        "thematiques": thematiques or ["trouver-un-emploi--repondre-a-des-offres-demploi"],
        "publics": publics if publics is not None else ["jeunes"],
        "zone_eligibilite": zone if zone is not None else [M2A],
        "hub": {
            "organisation": organisation,
            "organisation_kind": kind,
            "reseaux_porteurs": reseaux or [],
            "capacity": capacity,
            "response_delay_days": delay,
        },
    }
