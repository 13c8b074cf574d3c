"""NAB's scoring (bench/detection/nab_score.py) on hand-made series: the values NAB's method gives."""

from __future__ import annotations

import math

import pytest

from bench.detection.nab_score import STANDARD, probationary_rows, row_values, scaled_sigmoid, score_detections

ROWS = 1_000  # 150 probationary rows
WINDOWS = [(300, 309), (600, 699)]  # widths 10 and 100


def sigma(x: float) -> float:
    """NAB's scaled sigmoid written out: 2 x logistic(-5 x) - 1."""
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def test_scaled_sigmoid_values() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert scaled_sigmoid(3.5) == -1.0


def test_probationary_rows() -> None:
    assert probationary_rows(1_000) == 150
    assert probationary_rows(15_903) == 750  # capped at 15% of 5,000 rows


def test_perfect_detector_scores_100() -> None:
    result = score_detections(ROWS, WINDOWS, [300, 600])
    assert result.raw == pytest.approx(2.0)
    assert result.normalised == pytest.approx(100.0)
    assert (result.windows, result.detected_windows, result.false_positives) == (2, 2, 0)


def test_null_detector_scores_0() -> None:
    result = score_detections(ROWS, WINDOWS, [])
    assert result.raw == pytest.approx(-2.0) and result.null == -2.0 and result.perfect == 2.0
    assert result.normalised == pytest.approx(0.0)


def test_detection_at_window_start_and_end() -> None:
    at_end = score_detections(ROWS, [(300, 309)], [309])
    # the last row of a 10-row window: position -(309 - 309 + 1) / 10, scaled by 1 / sigma(-1)
    assert at_end.raw == pytest.approx(sigma(-0.1) / sigma(-1.0))
    assert at_end.raw == pytest.approx(0.24825, abs=1e-5)
    middle = score_detections(ROWS, [(600, 699)], [650])
    assert middle.raw == pytest.approx(sigma(-50 / 100) / sigma(-1.0))


def test_only_the_first_detection_in_a_window_counts() -> None:
    first = score_detections(ROWS, WINDOWS, [305])
    more = score_detections(ROWS, WINDOWS, [305, 306, 309])
    assert more.raw == pytest.approx(first.raw)
    assert more.false_positives == 0
    assert first.raw == pytest.approx(sigma(-5 / 10) / sigma(-1.0) - 1.0)  # one window found, one missed


def test_false_positives_weighted_as_nab_does() -> None:
    perfect = 2.0
    before_any_window = score_detections(ROWS, WINDOWS, [300, 600, 200])
    assert before_any_window.raw == pytest.approx(perfect - 0.11)
    # just after the first window (width 10): y = (i - 309) / 9; sigma(y) is slightly negative
    just_after = score_detections(ROWS, WINDOWS, [300, 600, 310])
    assert just_after.raw == pytest.approx(perfect + 0.11 * sigma(1 / 9))
    assert -0.11 < just_after.raw - perfect < 0
    one_width_after = score_detections(ROWS, WINDOWS, [300, 600, 318])
    assert one_width_after.raw == pytest.approx(perfect + 0.11 * sigma(1.0))
    far_after = score_detections(ROWS, WINDOWS, [300, 600, 400, 401])  # y > 3: -0.11 each
    assert far_after.raw == pytest.approx(perfect - 0.22)
    assert far_after.false_positives == 2
    after_second = score_detections(ROWS, WINDOWS, [300, 600, 749])  # y = 50 / 99 from the second window
    assert after_second.raw == pytest.approx(perfect + 0.11 * sigma(50 / 99))


def test_probationary_detections_are_ignored() -> None:
    assert score_detections(ROWS, WINDOWS, [0, 10, 149]).raw == pytest.approx(-2.0)
    assert row_values(ROWS, WINDOWS)[149] is None and row_values(ROWS, WINDOWS)[150] == pytest.approx(-0.11)


def test_sums_over_series_normalise_together() -> None:
    a = score_detections(ROWS, WINDOWS, [300, 600])
    b = score_detections(ROWS, [(500, 549)], [])
    total = a + b
    assert total.windows == 3 and total.detected_windows == 2
    assert total.normalised == pytest.approx(100 * (2.0 - 1.0 + 3.0) / 6.0)


def test_profile_is_the_standard_one() -> None:
    assert (STANDARD.tp_weight, STANDARD.fp_weight, STANDARD.fn_weight) == (1.0, 0.11, 1.0)


def test_detection_outside_the_series_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        score_detections(ROWS, WINDOWS, [ROWS])
