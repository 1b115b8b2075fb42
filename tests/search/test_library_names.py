"""How well a loose name names a library (the scores under resolve-library-id's ranking); pure.

Whole rankings over the eval's libraries are in test_resolve_library.py.
"""

from __future__ import annotations

from codex7.search.resolve_library import name_score, query_score
from tests.search.test_resolve_library import library

NEXT = library("/vercel/next.js", "Next.js")
ASTRO = library("/withastro/docs", "Astro")
PYDANTIC = library("/pydantic/pydantic", "Pydantic")


def test_the_library_id_itself_is_a_perfect_match() -> None:
    assert name_score("/vercel/next.js", NEXT) == 100.0
    assert name_score("/vercel/next.js/", NEXT) == 100.0
    assert name_score("vercel next.js", NEXT) == 100.0  # punctuation and spacing ignored


def test_versions_and_noise_words_do_not_dilute_the_name() -> None:
    assert name_score("next.js 15", NEXT) == name_score("next.js", NEXT) == 100.0
    assert name_score("pydantic docs", PYDANTIC) > name_score("pydantic models", PYDANTIC)


def test_a_known_affix_of_the_org_or_name_is_dropped() -> None:
    assert name_score("astro", ASTRO) == 100.0
    assert 0 < name_score("astrojs", ASTRO) < 100.0


def test_typos_and_prefixes_match_weaker_than_the_name() -> None:
    exact = name_score("pydantic", PYDANTIC)
    assert 0 < name_score("pydnatic", PYDANTIC) < exact  # a swap of neighbours
    assert 0 < name_score("pydan", PYDANTIC) < exact  # a prefix
    assert name_score("django", PYDANTIC) == 0.0


def test_query_words_count_only_where_the_description_has_them() -> None:
    description = "Data validation using Python type hints"
    assert query_score("validation using type hints", description) == 10.0
    assert query_score("validation of forms", description) == 5.0
    assert query_score("python docs", description) == 0.0  # noise words only
    assert query_score(None, description) == 0.0
