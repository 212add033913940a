"""The repository's documents point at what exists: every relative link in the Markdown,
and every `docs/...md#section` cited in code, names a file that is there and a heading
it has (anchors made as GitHub makes them)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
CODE_DIRS = ("kiosk", "hardware", "central", "tests", "config", "bench")
CODE_SUFFIXES = {".py", ".kv", ".toml", ".md"}

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_CITED = re.compile(r"\bdocs/(?:[\w-]+/)*[\w-][\w.-]*\.md(?:#[\w-]+)?")


def _prose_lines(path: Path) -> list[str]:
    """The file's lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings: lower case, punctuation dropped,
    spaces as hyphens; a repeated heading gets -1, -2..."""
    seen: dict[str, int] = {}
    found = set()
    for line in _prose_lines(path):
        match = _HEADING.match(line)
        if match is None:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(2).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken(target: str, base: Path) -> str | None:
    """Why a relative link from the folder ``base`` does not resolve, or None."""
    path_part, _, anchor = target.partition("#")
    path = (base / path_part).resolve() if path_part else None
    if path is not None and not path.exists():
        return "no such file"
    if anchor and (path is None or path.suffix == ".md"):
        document = path if path is not None else None
        if document is not None and anchor not in anchors(document):
            return f"no heading #{anchor}"
    return None


def test_anchors_are_made_as_github_makes_them(tmp_path: Path) -> None:
    """GIVEN headings with punctuation, code, apostrophes and a repeat
    WHEN their anchors are made
    THEN they are GitHub's: lower case, punctuation dropped, hyphens for spaces, -1 for
    the repeat, and a heading inside a code block is none."""
    page = tmp_path / "page.md"
    page.write_text("# Shared checks: documents, codes\n## 1. Connection URLs (`printer.url`)\n"
                    "## The kiosk's credential\n## Slip\n## Slip\n```\n# not a heading\n```\n",
                    encoding="utf-8")
    assert anchors(page) == {"shared-checks-documents-codes", "1-connection-urls-printerurl",
                             "the-kiosks-credential", "slip", "slip-1"}


def test_every_relative_link_in_the_documents_resolves() -> None:
    """GIVEN the README and every Markdown file under docs/
    WHEN each relative link is followed
    THEN its file exists and, for a Markdown file, so does the heading it names."""
    problems = []
    for document in MARKDOWN:
        for line in _prose_lines(document):
            for target in _LINK.findall(line):
                if re.match(r"[a-z][a-z0-9+.-]*:", target):
                    continue  # http:, mailto:...
                if target.startswith("#"):
                    why = None if target[1:] in anchors(document) else f"no heading {target}"
                else:
                    why = broken(target, document.parent)
                if why is not None:
                    problems.append(f"{document.relative_to(ROOT)}: {target}: {why}")
    assert problems == []


def test_every_docs_section_cited_in_the_code_exists() -> None:
    """GIVEN every mention of docs/<file>.md, with or without #section, in the code,
    the configuration, the tests and the documents
    WHEN it is looked up from the repository root
    THEN the file exists and has that section."""
    problems = []
    for folder in CODE_DIRS:
        for source in sorted((ROOT / folder).rglob("*")):
            if source.suffix not in CODE_SUFFIXES or not source.is_file():
                continue
            for cited in _CITED.findall(source.read_text(encoding="utf-8")):
                why = broken(cited, ROOT)
                if why is not None:
                    problems.append(f"{source.relative_to(ROOT)}: {cited}: {why}")
    for document in [*MARKDOWN, ROOT / "pyproject.toml"]:
        for cited in _CITED.findall(document.read_text(encoding="utf-8")):
            why = broken(cited, ROOT)
            if why is not None:
                problems.append(f"{document.relative_to(ROOT)}: {cited}: {why}")
    assert problems == []
