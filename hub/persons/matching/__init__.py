"""Identity resolution, pure and in memory: features, blocking, comparison, clustering.

No database and no key material here: the persons service decrypts the records of a block,
builds :class:`FeatureRecord` objects, calls :func:`link`, and stores clusters and evidence
(matching keys only as blind indexes).
"""

from hub.persons.matching.blocking import KEY_KINDS, MAX_BLOCK_SIZE, blocking_keys, candidate_pairs
from hub.persons.matching.compare import (
    MATCH_THRESHOLD,
    RULES_VERSION,
    PairScore,
    compare,
    family_similarity,
    given_similarity,
)
from hub.persons.matching.engine import Linkage, LinkStats, link
from hub.persons.matching.features import (
    FeatureRecord,
    build_features,
    features_from_json,
    features_from_person,
)

__all__ = [
    "KEY_KINDS",
    "MATCH_THRESHOLD",
    "MAX_BLOCK_SIZE",
    "RULES_VERSION",
    "FeatureRecord",
    "LinkStats",
    "Linkage",
    "PairScore",
    "blocking_keys",
    "build_features",
    "candidate_pairs",
    "compare",
    "family_similarity",
    "features_from_json",
    "features_from_person",
    "given_similarity",
    "link",
]
