"""Subsets Vazirmatn (node_modules) to the glyphs the site uses, into static/fonts (`make fonts`)."""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "vazirmatn" / "fonts" / "webfonts"
TARGET = ROOT / "static" / "fonts"
# Only the weights the pages use: body text 400, Bootstrap's headings 500, fw-semibold 600,
# fw-bold 700. A weight no rule asks for is never downloaded, but neither is it kept here.
WEIGHTS = {400: "Regular", 500: "Medium", 600: "SemiBold", 700: "Bold"}
UNICODES = ",".join(
    [
        "U+0020-007E",  # Latin basic: letters, ASCII digits, punctuation (codes, names, URLs)
        "U+00A0,U+00AB,U+00B7,U+00BB,U+00D7,U+00F7,U+02BC",  # no-break space, « », ·, ×, ÷
        "U+060C,U+061B,U+061F,U+0621-063A,U+0640-0655",  # Arabic punctuation, letters, marks
        "U+0660-066D,U+0670,U+067E,U+0686,U+0698,U+06A9,U+06AF,U+06CC",  # digits, پ چ ژ ک گ ی
        "U+06C0,U+06F0-06F9",  # ۀ and the Persian digits
        # ZWNJ and the direction marks, dashes, quotes, …, ′, ›, isolates, minus
        "U+200C-200F,U+2010-2014,U+2018-201D,U+2026,U+2032,U+203A,U+2066-2069,U+2212",
        "U+FEFF,U+FFFD",
    ]
)


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for weight, name in WEIGHTS.items():
        output = TARGET / f"vazirmatn-{weight}.woff2"
        subset.main(
            [
                str(SOURCE / f"Vazirmatn-{name}.woff2"),
                f"--unicodes={UNICODES}",
                # Every OpenType feature: Persian letters take their joined forms through them.
                "--layout-features=*",
                "--flavor=woff2",
                "--no-hinting",
                "--desubroutinize",
                f"--output-file={output}",
            ]
        )
        print(f"{output.relative_to(ROOT)}: {output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
