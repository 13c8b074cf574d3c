from __future__ import annotations

import pytest

from models.language import CANDIDATES, UNDETERMINED, detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Stuck at the gate for five hours, this airline is a disgrace", "en"),
        ("C'est un scandale, je suis furieux contre cette marque", "fr"),
        ("Le lait est contaminé, rappel immédiat de tous les lots", "fr"),
        ("Das ist wirklich eine Katastrophe, ich bin sehr enttäuscht", "de"),
        ("El servicio fue terrible y nadie nos ayudó en el aeropuerto", "es"),
    ],
)
def test_detects_common_languages(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "  ", "ok", " a "])
def test_too_little_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == UNDETERMINED


def test_answers_are_restricted_to_candidates() -> None:
    for text in ("xyzzy plugh", "🙂🙂🙂🙂", "1234 5678", "#skywayfail #skywayfail"):
        assert detect_language(text) in CANDIDATES


def test_deterministic() -> None:
    text = "Vol annulé sans explication, merci pour rien"
    assert {detect_language(text) for _ in range(3)} == {"fr"}
