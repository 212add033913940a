"""Build the pinyin keyboard's table (kiosk/ui/input/pinyin_table.json) from two
packages' data, at build time, so the kiosk needs neither at run time:

- jieba's dictionary (jieba 0.42.1, MIT licence): each word's frequency, which orders
  the candidates;
- pypinyin (0.55, MIT licence, from the pinyin-data and phrase-pinyin-data projects):
  each character's readings, and a word's reading where a character has several.

Only simplified characters (those in GB 2312) are kept: the commission reads simplified
Chinese. The table maps a toneless syllable (``zhong``; ``lv`` for lü, as typed) to its
characters, most frequent first, and a whole word's syllables (``zhongguo``) to its
words. Run with the two packages installed (``pip install pypinyin jieba``):

    .venv/bin/python -m kiosk.devtools.pinyin_table
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from importlib import resources
from pathlib import Path

CHARS_PER_SYLLABLE = 48
SECONDARY_READING_DIVISOR = 50
WORDS = 20_000  # the most frequent words of 2 to 4 characters
OUT = Path(__file__).resolve().parent.parent / "ui" / "input" / "pinyin_table.json"


def _simplified(text: str) -> bool:
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return all("\u4e00" <= c <= "\u9fff" for c in text)


def _frequencies() -> dict[str, int]:
    """Word -> frequency from jieba's dictionary, simplified words only."""
    out: dict[str, int] = {}
    text = resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and _simplified(parts[0]):
            out[parts[0]] = max(out.get(parts[0], 0), int(parts[1]))
    return out


def build() -> dict[str, object]:
    from pypinyin import Style, lazy_pinyin, pinyin  # build time only

    frequencies = _frequencies()
    by_syllable: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for char, freq in frequencies.items():
        if len(char) != 1:
            continue
        readings = dict.fromkeys(pinyin(char, style=Style.NORMAL, heteronym=True)[0])
        for rank, reading in enumerate(readings):
            # The first reading is the common one: a rare reading of a frequent character
            # (童 read zhong) must not come before the characters usually read so.
            weight = freq if rank == 0 else freq // SECONDARY_READING_DIVISOR
            by_syllable[reading.replace("ü", "v")].append((weight, char))
    chars = {syllable: "".join(c for _f, c in sorted(found, key=lambda x: (-x[0], x[1]))
                               [:CHARS_PER_SYLLABLE])
             for syllable, found in sorted(by_syllable.items()) if syllable.isascii()}
    words = sorted(((freq, word) for word, freq in frequencies.items() if 2 <= len(word) <= 4),
                   key=lambda x: (-x[0], x[1]))[:WORDS]
    by_reading: dict[str, list[str]] = defaultdict(list)
    for _freq, word in words:
        reading = "".join(lazy_pinyin(word)).replace("ü", "v")
        if reading.isascii() and reading.isalpha():
            by_reading[reading].append(word)
    return {
        "source": "jieba 0.42.1 dict.txt (MIT) frequencies; pypinyin 0.55.0 readings (MIT)",
        "chars": chars,
        # Words joined by spaces: one string per reading, not a list (a third of the
        # memory once loaded).
        "words": {reading: " ".join(found) for reading, found in sorted(by_reading.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    table = build()
    args.out.write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")
    print(f"{args.out}: {len(table['chars'])} syllables, "  # type: ignore[arg-type]
          f"{len(table['words'])} readings of words")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
