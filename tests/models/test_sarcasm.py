from __future__ import annotations

import pytest

from firestorm.models.crisis import crisis_analyzer, entries
from firestorm.models.sarcasm import CueError, cues, failure_terms, parse_cues, rule, sarcastic
from firestorm.models.sentiment import MODEL, SARCASM, VADER, VADER_CRISIS, SentimentScorer
from firestorm.models.sentiment_model import shipped

SARCASTIC = [
    ("en", "Great, another outage, thanks a lot"),
    ("en", "Oh wonderful... cancelled again. Love it."),
    ("en", "@skyway great. delayed again #fail"),
    ("en", "My order never arrived, thanks a lot 🙄"),  # an overlay phrase as the failure
    ("en", "Just what I needed: the app is down"),
    ("fr", "Bravo pour la nouvelle appli, elle plante"),
    ("fr", "Super, encore une panne, merci beaucoup 🙄"),
    ("fr", "Génial, train annule, merci beaucoup"),  # accents optional
]
SINCERE = [
    ("en", "Great, the outage is fixed, thanks!"),  # the failure is over
    ("en", "Great, no delays today"),  # the failure is denied
    ("en", "The crew did an amazing job with a delayed flight"),  # praise that is no interjection
    ("en", "Great service despite the delay"),
    ("en", "Thanks a lot for the quick answer"),  # no failure
    ("en", "Lovely day in Edmonton. Game cancelled today."),
    ("fr", "Super, pas de panne ce matin"),
    ("fr", "Super série, même si la fin est en retard sur le livre"),
    ("fr", "Bravo, la panne est réparée"),
]


@pytest.mark.parametrize(("lang", "text"), SARCASTIC)
def test_praise_next_to_a_failure_is_sarcasm(lang: str, text: str) -> None:
    assert sarcastic(text, lang)


@pytest.mark.parametrize(("lang", "text"), SINCERE)
def test_sincere_praise_and_plain_failures_are_not(lang: str, text: str) -> None:
    assert not sarcastic(text, lang)


def test_the_failures_cover_the_crisis_vocabulary() -> None:
    strong = [e for e in entries() if e.valence <= -1.2]
    assert strong
    for entry in strong:
        assert entry.term in failure_terms(entry.lang)
    assert "refund" not in failure_terms("en")  # a weak cue: "thanks for the refund" is sincere
    assert "plante" in failure_terms("fr")  # from the cue file itself


def test_every_kind_has_terms_in_both_languages() -> None:
    for terms in cues().values():
        assert terms


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("praise\ten", "expected kind, language and term"),
        ("joy\ten\tgreat", "kind must be one of"),
        ("praise\tde\tgreat", "language must be one of"),
        ("praise\ten\tGreat", "the term must be lower case with single spaces"),
        ("praise\ten\tlove  it", "the term must be lower case with single spaces"),
    ],
)
def test_a_bad_cue_line_is_one_clear_error(line: str, message: str) -> None:
    with pytest.raises(CueError, match=f"line 2: {message}"):
        parse_cues(f"# comment\n{line}\n")


def test_a_term_listed_twice_is_refused() -> None:
    with pytest.raises(CueError, match="line 2: praise term 'great' \\(en\\) is listed twice"):
        parse_cues("praise\ten\tgreat\npraise\ten\tgreat\n")


@pytest.mark.parametrize(("lang", "text"), SARCASTIC)
def test_the_model_mode_reads_sarcasm_as_negative(lang: str, text: str) -> None:
    assert SentimentScorer(MODEL).score(text, lang).negative


def test_the_rule_is_what_turns_the_models_positive_label() -> None:
    text = "Great, another outage, thanks a lot"
    assert shipped()["en"].probabilities(text)[0] == 2  # the weights alone: positive
    assert SentimentScorer(MODEL).score(text, "en").compound == -0.05  # its P(pos) - P(neg) > 0, pushed out


@pytest.mark.parametrize(("lang", "text"), SINCERE)
def test_the_model_mode_leaves_sincere_texts_to_the_weights(lang: str, text: str) -> None:
    index, _ = shipped()[lang].probabilities(text)
    assert SentimentScorer(MODEL).score(text, lang).negative == (index == 0)


@pytest.mark.parametrize("mode", [VADER, VADER_CRISIS])
def test_the_vader_modes_do_not_apply_the_rule(mode: str) -> None:
    text = "Great, another outage, thanks a lot"
    analyzer = crisis_analyzer("en") if mode == VADER_CRISIS else SentimentScorer(VADER).analyzer("en")
    assert SentimentScorer(mode).score(text, "en").compound == analyzer.compound(text) > 0


@pytest.mark.parametrize(
    ("lang", "text", "contrast"),
    [
        ("en", "Oh wonderful... cancelled again. Love it.", ("wonderful", "cancelled")),
        ("en", "@skyway Great. Delayed again #fail", ("Great", "Delayed")),
        ("fr", "Super, encore une PANNE, merci beaucoup 🙄", ("Super", "PANNE")),
    ],
)
def test_the_contrast_is_the_praise_and_the_failure_as_written(lang: str, text: str, contrast: tuple[str, str]) -> None:
    assert rule(lang).contrast(text) == contrast


def test_no_contrast_where_the_rule_does_not_fire() -> None:
    assert rule("en").contrast("Great, the outage is fixed, thanks!") is None


def test_the_model_mode_explains_a_sarcastic_label_by_the_rule() -> None:
    scorer = SentimentScorer(MODEL)
    assert scorer.explain("Great, another outage, thanks a lot", "en") == [
        ("Great", 0.0, SARCASM),
        ("outage", 0.0, SARCASM),
    ]
    plain = scorer.explain("bag whereabouts unknown", "en")
    assert plain and {lexicon for _, _, lexicon in plain} == {MODEL}
