"""Writes the font fixtures of the `fonts:` reader's tests from Debian's DejaVu fonts.

The tests read only these files, so `cargo test --workspace` needs no system fonts. Each file is
a subset of a DejaVu face to the characters the tests use (`alnum`, `lgc`, and a few extras),
keeping its names, licence string and glyph names. Two files are made to fail on purpose:

- `FixtureSymbol.ttf`: DejaVu Sans with the Latin letters and digits mapped to Greek glyphs (a
  symbol font: the glyph on `A` is named `Alpha`), under another family name;
- `empty-glyph/DejaVuSans-EmptyB.ttf`: DejaVu Sans whose `b` is a contour of zero area (no ink).

Run from the repository root (needs `apt-get install fonts-dejavu-core` and `pip install
fonttools==4.69.1`): `python3 data/tests/fonts/make_fixtures.py`. Licence: LICENSE.txt here.
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SRC = Path("/usr/share/fonts/truetype/dejavu")
OUT = Path(__file__).resolve().parent
FACES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSerif.ttf"]
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
GREEK = "ΓΔΘΛΞΠΣΦΨΩαβγδεζηθικλμξπρσςτφχψω"
CYRILLIC = "БДЖЗИЙЛУЦЧШЩЪЫЬЭЮЯЁбвгджзийлмнптцчшщъыьэюяё"
# The full Greek alphabet too: the symbol font's letters are drawn from it.
GREEK_ALL = "".join(chr(c) for c in range(0x391, 0x3AA)) + "".join(chr(c) for c in range(0x3B1, 0x3CA))
TEXT = ALNUM + GREEK + CYRILLIC + GREEK_ALL


def subsetted(name: str) -> TTFont:
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.glyph_names = True
    opts.notdef_outline = True
    opts.layout_features = []
    opts.hinting = False
    font = TTFont(SRC / name)
    s = subset.Subsetter(opts)
    s.populate(text=TEXT)
    s.subset(font)
    return font


def symbol_font() -> TTFont:
    """DejaVu Sans with every ASCII letter and digit on a Greek glyph, named `Fixture Symbol`."""
    font = subsetted("DejaVuSans.ttf")
    cmap = font.getBestCmap()
    greek = [cmap[ord(c)] for c in GREEK_ALL if ord(c) in cmap]
    for table in font["cmap"].tables:
        for i, c in enumerate(ALNUM):
            if ord(c) in table.cmap:
                table.cmap[ord(c)] = greek[i % len(greek)]
    for rec in font["name"].names:
        if rec.nameID in (1, 3, 4, 6, 16):
            text = rec.toUnicode().replace("DejaVu Sans", "Fixture Symbol").replace("DejaVuSans", "FixtureSymbol")
            rec.string = text
    return font


def empty_b() -> TTFont:
    """DejaVu Sans whose `b` is one contour with every point at the same place (zero area)."""
    font = subsetted("DejaVuSans.ttf")
    glyf = font["glyf"]
    b = glyf[font.getBestCmap()[ord("b")]]
    b.coordinates = type(b.coordinates)([(300, 300)] * len(b.coordinates))
    b.recalcBounds(glyf)
    return font


def main() -> None:
    for name in FACES:
        subsetted(name).save(OUT / name)
    symbol_font().save(OUT / "FixtureSymbol.ttf")
    (OUT / "empty-glyph").mkdir(exist_ok=True)
    empty_b().save(OUT / "empty-glyph" / "DejaVuSans-EmptyB.ttf")


if __name__ == "__main__":
    main()
