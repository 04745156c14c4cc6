"""Folding and tokens (search.text)."""


def test_the_fast_folding_equals_folding_each_character():
    """normalize/_fold_same_length fold whole strings with str.translate + casefold; the
    definition is _fold_char on each NFKC character."""
    import random
    import unicodedata

    from search import text as t

    rng = random.Random(7)
    alphabet = [
        chr(c) for c in [*range(0x20, 0x250), *range(0x3040, 0x3100), *range(0xFF00, 0xFFEF)]
    ]
    alphabet += ["ß", "İ", "ŉ", "ǰ", "ﬀ", "々", "ｺﾛﾅ", "ヽ", "ヾ"]
    for _ in range(5000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        nfkc = unicodedata.normalize("NFKC", value)
        assert t.normalize(value) == "".join(t._fold_char(ch) for ch in nfkc)
        same = t._fold_same_length(nfkc)
        assert len(same) == len(nfkc)
        assert all(
            len(t._fold_char(c)) != 1 or f == t._fold_char(c)
            for c, f in zip(nfkc, same, strict=True)
        )
