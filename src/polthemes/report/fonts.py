"""The CJK font every figure uses, taken from a pinned dependency, never from the system.

Chinese labels drawn with a font that lacks their glyphs turn into tofu boxes, and which
fonts a machine has is luck. The ``mplfonts`` wheel ships Noto Sans CJK SC (SIL Open Font
License), which covers simplified Chinese and Latin text alike; it is located through
package metadata (importing mplfonts itself is not needed) and registered with matplotlib.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from pathlib import Path

from matplotlib import font_manager

CJK_FONT_PACKAGE = "mplfonts"
CJK_FONT_FILE = "mplfonts/fonts/NotoSansCJKsc-Regular.otf"


class FontMissingError(RuntimeError):
    """The CJK font is not installed; the message says how to get it."""


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font shipped by the pinned ``mplfonts`` package."""
    try:
        path = Path(metadata.distribution(CJK_FONT_PACKAGE).locate_file(CJK_FONT_FILE))
    except metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise FontMissingError(
            f"the CJK font {CJK_FONT_FILE} was not found; run `make setup` to install the pinned "
            f"{CJK_FONT_PACKAGE} package (figures need it to draw Chinese)"
        )
    return path


@lru_cache(maxsize=1)
def cjk_font_family() -> str:
    """Register the CJK font with matplotlib (once) and return its family name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@lru_cache(maxsize=1)
def _cjk_cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(cjk_font_path()), lazy=True).getBestCmap())


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` (other than whitespace) the CJK font cannot draw."""
    cmap = _cjk_cmap()
    return {char for char in text if not char.isspace() and ord(char) not in cmap}
