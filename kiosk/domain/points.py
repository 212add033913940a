"""Points self-assessment after the Shanghai Residence Card points table
(docs/spec/points.md#points-table).

Informational only (docs/spec/points.md#scope): the 2017 Procedures cover mainland migrants, not
foreign nationals, and the values come from secondary summaries. Every result says so.
The table, exactly as docs/spec/points.md#points-table gives it:

- age: 56-60 gives 5, each year younger 2 more, at most 30 (43 and younger); over 60, 0
- education: junior college 50, bachelor's education 60, with the degree 90, master's
  100, doctorate 110
- skill level / title: level 5 15, 4 30, 3 60, level 2 or intermediate title 100,
  level 1 or senior title 140
- † education and title are not cumulative: the higher counts (a parameter)
- Shanghai social insurance: 3 per full year
- social insurance base, 36 months in the last 4 years: at least 0.8x the average wage
  25, 1x 50, 2x 100; at least 3x for 24 months in the last 3 years 120
- spouse with Shanghai hukou: 4 per year of marriage, at most 40
- shortage major 30, fresh graduate 10, awards up to 110
- deductions (false materials, administrative detention, criminal record): the
  summaries give no values, so the points to deduct are an input
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.results import Choice


def N_(message: str) -> str:
    return message


PASS_MARK = 120
AGE_LIMIT = 60
AGE_BASE_FROM, AGE_BASE_POINTS = 56, 5
AGE_STEP, AGE_CAP = 2, 30
SI_POINTS_PER_YEAR = 3
SPOUSE_POINTS_PER_YEAR, SPOUSE_CAP = 4, 40
SHORTAGE_MAJOR_POINTS = 30
FRESH_GRADUATE_POINTS = 10
AWARDS_CAP = 110

INDICATIVE_NOTICE = N_("Indicative only: the Shanghai Residence Card points system is for "
                       "mainland migrants and does not apply to foreign nationals.")


class Education(StrEnum):
    NONE = "none"
    JUNIOR_COLLEGE = "junior_college"
    BACHELOR_EDUCATION = "bachelor_education"  # 本科学历 without the degree
    BACHELOR_DEGREE = "bachelor_degree"
    MASTER = "master"
    DOCTORATE = "doctorate"


class SkillTitle(StrEnum):
    NONE = "none"
    LEVEL_5 = "level_5"
    LEVEL_4 = "level_4"
    LEVEL_3 = "level_3"
    LEVEL_2_OR_INTERMEDIATE = "level_2_or_intermediate"
    LEVEL_1_OR_SENIOR = "level_1_or_senior"


class InsuranceBase(StrEnum):
    BELOW_0_8 = "below_0_8"
    AT_LEAST_0_8 = "at_least_0_8"
    AT_LEAST_1 = "at_least_1"
    AT_LEAST_2 = "at_least_2"
    AT_LEAST_3 = "at_least_3"  # for 24 months in the last 3 years


EDUCATION_POINTS: dict[Education, int] = {
    Education.NONE: 0, Education.JUNIOR_COLLEGE: 50, Education.BACHELOR_EDUCATION: 60,
    Education.BACHELOR_DEGREE: 90, Education.MASTER: 100, Education.DOCTORATE: 110,
}
SKILL_TITLE_POINTS: dict[SkillTitle, int] = {
    SkillTitle.NONE: 0, SkillTitle.LEVEL_5: 15, SkillTitle.LEVEL_4: 30, SkillTitle.LEVEL_3: 60,
    SkillTitle.LEVEL_2_OR_INTERMEDIATE: 100, SkillTitle.LEVEL_1_OR_SENIOR: 140,
}
INSURANCE_BASE_POINTS: dict[InsuranceBase, int] = {
    InsuranceBase.BELOW_0_8: 0, InsuranceBase.AT_LEAST_0_8: 25, InsuranceBase.AT_LEAST_1: 50,
    InsuranceBase.AT_LEAST_2: 100, InsuranceBase.AT_LEAST_3: 120,
}

EDUCATIONS: tuple[Choice, ...] = (
    Choice(Education.NONE, N_("None of these")),
    Choice(Education.JUNIOR_COLLEGE, N_("Junior college")),
    Choice(Education.BACHELOR_EDUCATION, N_("Bachelor's education without the degree")),
    Choice(Education.BACHELOR_DEGREE, N_("Bachelor's degree")),
    Choice(Education.MASTER, N_("Master's degree")),
    Choice(Education.DOCTORATE, N_("Doctorate")),
)
SKILL_TITLES: tuple[Choice, ...] = (
    Choice(SkillTitle.NONE, N_("None of these")),
    Choice(SkillTitle.LEVEL_5, N_("Vocational skill level 5")),
    Choice(SkillTitle.LEVEL_4, N_("Vocational skill level 4")),
    Choice(SkillTitle.LEVEL_3, N_("Vocational skill level 3")),
    Choice(SkillTitle.LEVEL_2_OR_INTERMEDIATE,
           N_("Vocational skill level 2 or intermediate professional title")),
    Choice(SkillTitle.LEVEL_1_OR_SENIOR,
           N_("Vocational skill level 1 or senior professional title")),
)
INSURANCE_BASES: tuple[Choice, ...] = (
    Choice(InsuranceBase.BELOW_0_8, N_("Below 0.8 times the average wage")),
    Choice(InsuranceBase.AT_LEAST_0_8,
           N_("At least 0.8 times the average wage, 36 months in the last 4 years")),
    Choice(InsuranceBase.AT_LEAST_1,
           N_("At least the average wage, 36 months in the last 4 years")),
    Choice(InsuranceBase.AT_LEAST_2,
           N_("At least 2 times the average wage, 36 months in the last 4 years")),
    Choice(InsuranceBase.AT_LEAST_3,
           N_("At least 3 times the average wage, 24 months in the last 3 years")),
)

LABELS: dict[str, str] = {
    "age": N_("Age"),
    "education": N_("Education"),
    "skill_title": N_("Vocational skill level or professional title"),
    "insurance_years": N_("Years of Shanghai social insurance"),
    "insurance_base": N_("Social insurance contribution base"),
    "spouse": N_("Spouse with Shanghai household registration"),
    "shortage_major": N_("Major in short supply"),
    "fresh_graduate": N_("Fresh graduate"),
    "awards": N_("Awards"),
    "deductions": N_("Deductions"),
}


@dataclass(frozen=True)
class PointsInput:
    age: int
    education: Education = Education.NONE
    skill_title: SkillTitle = SkillTitle.NONE
    insurance_years: int = 0  # full years of Shanghai social insurance
    insurance_base: InsuranceBase = InsuranceBase.BELOW_0_8
    spouse_marriage_years: int = 0  # years married to a Shanghai hukou holder; 0 if not
    shortage_major: bool = False
    fresh_graduate: bool = False
    award_points: int = 0
    deduction_points: int = 0


@dataclass(frozen=True)
class PointsLine:
    code: str
    label: str  # msgid
    points: int


@dataclass(frozen=True)
class PointsResult:
    lines: tuple[PointsLine, ...]
    total: int
    pass_mark: int
    indicative: bool = True  # always: see the module docstring
    notice: str = INDICATIVE_NOTICE

    @property
    def reaches_pass_mark(self) -> bool:
        return self.total >= self.pass_mark


def age_points(age: int) -> int:
    if age > AGE_LIMIT:
        return 0
    if age >= AGE_BASE_FROM:
        return AGE_BASE_POINTS
    return min(AGE_CAP, AGE_BASE_POINTS + AGE_STEP * (AGE_BASE_FROM - age))


def assess(inp: PointsInput, *, education_title_cumulative: bool = False,
           pass_mark: int = PASS_MARK) -> PointsResult:
    """One line per indicator, in the table's order, and the total."""
    education = EDUCATION_POINTS[inp.education]
    title = SKILL_TITLE_POINTS[inp.skill_title]
    if not education_title_cumulative:  # † the higher of the two counts
        if education >= title:
            title = 0
        else:
            education = 0
    points = {
        "age": age_points(inp.age),
        "education": education,
        "skill_title": title,
        "insurance_years": SI_POINTS_PER_YEAR * max(inp.insurance_years, 0),
        "insurance_base": INSURANCE_BASE_POINTS[inp.insurance_base],
        "spouse": min(SPOUSE_CAP, SPOUSE_POINTS_PER_YEAR * max(inp.spouse_marriage_years, 0)),
        "shortage_major": SHORTAGE_MAJOR_POINTS if inp.shortage_major else 0,
        "fresh_graduate": FRESH_GRADUATE_POINTS if inp.fresh_graduate else 0,
        "awards": min(AWARDS_CAP, max(inp.award_points, 0)),
        "deductions": -max(inp.deduction_points, 0),
    }
    lines = tuple(PointsLine(code, LABELS[code], value) for code, value in points.items())
    return PointsResult(lines, sum(points.values()), pass_mark)
