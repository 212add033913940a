"""Points self-assessment (docs/spec/points.md#points-table): every tier and edge of the table."""

from __future__ import annotations

import pytest

from kiosk.domain.points import (
    INDICATIVE_NOTICE,
    PASS_MARK,
    Education,
    InsuranceBase,
    PointsInput,
    SkillTitle,
    age_points,
    assess,
)


def _line(inp: PointsInput, code: str, **options: bool) -> int:
    return {line.code: line.points for line in assess(inp, **options).lines}[code]


@pytest.mark.parametrize("age, points", [(18, 30), (43, 30), (44, 29), (45, 27), (55, 7),
                                         (56, 5), (60, 5), (61, 0)])
def test_age_edges(age: int, points: int) -> None:
    """GIVEN ages around the table's edges
    WHEN scored
    THEN 56-60 give 5, each year younger 2 more, capped at 30 (43 and younger), over 60 0."""
    assert age_points(age) == points


@pytest.mark.parametrize("education, points", [
    (Education.NONE, 0), (Education.JUNIOR_COLLEGE, 50), (Education.BACHELOR_EDUCATION, 60),
    (Education.BACHELOR_DEGREE, 90), (Education.MASTER, 100), (Education.DOCTORATE, 110)])
def test_education_tiers(education: Education, points: int) -> None:
    """GIVEN each education level and no title
    WHEN assessed
    THEN the table's points."""
    assert _line(PointsInput(age=30, education=education), "education") == points


@pytest.mark.parametrize("title, points", [
    (SkillTitle.NONE, 0), (SkillTitle.LEVEL_5, 15), (SkillTitle.LEVEL_4, 30),
    (SkillTitle.LEVEL_3, 60), (SkillTitle.LEVEL_2_OR_INTERMEDIATE, 100),
    (SkillTitle.LEVEL_1_OR_SENIOR, 140)])
def test_skill_title_tiers(title: SkillTitle, points: int) -> None:
    """GIVEN each skill level or title and no education
    WHEN assessed
    THEN the table's points."""
    assert _line(PointsInput(age=30, skill_title=title), "skill_title") == points


@pytest.mark.parametrize("base, points", [
    (InsuranceBase.BELOW_0_8, 0), (InsuranceBase.AT_LEAST_0_8, 25),
    (InsuranceBase.AT_LEAST_1, 50), (InsuranceBase.AT_LEAST_2, 100),
    (InsuranceBase.AT_LEAST_3, 120)])
def test_insurance_base_tiers_including_the_top_two(base: InsuranceBase, points: int) -> None:
    """GIVEN each contribution base tier
    WHEN assessed
    THEN 25, 50, 100 for 2-3x, and 120 for 3x and more."""
    assert _line(PointsInput(age=30, insurance_base=base), "insurance_base") == points


def test_education_and_title_are_not_cumulative_unless_configured() -> None:
    """GIVEN a master's degree (100) and a senior title (140)
    WHEN assessed by default, and with education_title_cumulative
    THEN only the title counts (education line 0), and then both count."""
    inp = PointsInput(age=30, education=Education.MASTER,
                      skill_title=SkillTitle.LEVEL_1_OR_SENIOR)
    assert (_line(inp, "education"), _line(inp, "skill_title")) == (0, 140)
    assert (_line(inp, "education", education_title_cumulative=True),
            _line(inp, "skill_title", education_title_cumulative=True)) == (100, 140)
    higher_education = PointsInput(age=30, education=Education.DOCTORATE,
                                   skill_title=SkillTitle.LEVEL_3)
    assert (_line(higher_education, "education"), _line(higher_education, "skill_title")) \
        == (110, 0)


def test_per_year_indicators_and_caps() -> None:
    """GIVEN 7 insurance years, 12 years of marriage, awards of 150 and a deduction
    WHEN assessed
    THEN 21, spouse capped at 40, awards capped at 110, the deduction negative."""
    inp = PointsInput(age=30, insurance_years=7, spouse_marriage_years=12, award_points=150,
                      deduction_points=20)
    assert _line(inp, "insurance_years") == 21
    assert _line(inp, "spouse") == 40
    assert _line(inp, "awards") == 110
    assert _line(inp, "deductions") == -20
    assert _line(PointsInput(age=30, spouse_marriage_years=3), "spouse") == 12


def test_total_pass_mark_and_indicative_label() -> None:
    """GIVEN age 30 (30), bachelor's degree (90), shortage major (30), fresh graduate (10)
    WHEN assessed
    THEN one line per indicator, total 160 over the 120 pass mark, labelled indicative."""
    result = assess(PointsInput(age=30, education=Education.BACHELOR_DEGREE,
                                shortage_major=True, fresh_graduate=True))
    assert [line.code for line in result.lines] == [
        "age", "education", "skill_title", "insurance_years", "insurance_base", "spouse",
        "shortage_major", "fresh_graduate", "awards", "deductions"]
    assert result.total == 160 == sum(line.points for line in result.lines)
    assert result.pass_mark == PASS_MARK == 120 and result.reaches_pass_mark
    assert result.indicative and result.notice == INDICATIVE_NOTICE
    assert not assess(PointsInput(age=61)).reaches_pass_mark
    assert all(line.label for line in result.lines)
