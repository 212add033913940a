"""What the on-screen keyboards type, apart from Kivy: the layouts as data (layouts),
Hangul syllable composition (hangul), kana marks and small kana (kana), and pinyin
candidates from a packaged table (pinyin). Pure and unit-tested (tests/unit/test_input_*)."""
