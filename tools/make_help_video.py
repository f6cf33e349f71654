"""Draws the device check's help video (granting camera and microphone) and its test tone (`make devicecheck-media`)."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "static" / "devicecheck"
FONT = ROOT / "node_modules" / "vazirmatn" / "fonts" / "ttf" / "Vazirmatn-Bold.ttf"
WIDTH, HEIGHT = 640, 360
SECONDS_PER_SLIDE = 5
BLUE, GREEN, RED, INK, PAPER, GREY = (
    "#0b5ed7",
    "#198754",
    "#dc3545",
    "#212529",
    "#ffffff",
    "#dee2e6",
)


@dataclass(frozen=True)
class Slide:
    title: str  # drawn on the slide (short)
    caption: str  # the WebVTT caption: what to do, in full
    device: str  # "phone" or "laptop"
    browser: str  # the browser's name as its menus show it
    step: str  # "ask", "allow", "settings" or "done"


SLIDES = [
    Slide(
        "دوربین و میکروفون را روشن کنیم",
        "در کلاس باید دوربین و میکروفون روشن باشد. ببینیم چطور اجازه بدهیم.",
        "phone",
        "",
        "done",
    ),
    Slide(
        "کروم در گوشی اندروید",
        "در کروم اندروید، وقتی پنجره‌ی اجازه باز شد، «اجازه دادن» یا Allow را بزنید.",
        "phone",
        "Chrome",
        "allow",
    ),
    Slide(
        "اگر اشتباهی رد کردید",
        "اگر رد کرده‌اید: روی قفل کنار نشانی بزنید، «مجوزها» را باز کنید و دوربین و میکروفون را روشن کنید.",
        "phone",
        "Chrome",
        "settings",
    ),
    Slide(
        "سافاری در آیفون",
        "در سافاری آیفون، در پنجره‌ی پرسش «اجازه دادن» یا Allow را بزنید؛ اگر نیامد: دکمه‌ی aA کنار نشانی، بعد «تنظیمات وب‌سایت».",
        "phone",
        "Safari",
        "allow",
    ),
    Slide(
        "کروم و اج در رایانه",
        "در کروم و اج رایانه، پنجره‌ی کنار نشانی را ببینید و «اجازه دادن» یا Allow را بزنید؛ نماد دوربین در نوار نشانی هم همین تنظیم را دارد.",
        "laptop",
        "Chrome / Edge",
        "allow",
    ),
    Slide(
        "فایرفاکس در رایانه",
        "در فایرفاکس، دوربین و میکروفون را انتخاب کنید و «اجازه دادن» یا Allow را بزنید؛ نماد دوربین کنار نشانی برای تغییر آن است.",
        "laptop",
        "Firefox",
        "allow",
    ),
    Slide(
        "آماده‌اید!",
        "حالا صفحه را دوباره باز کنید؛ باید تصویر خودتان را ببینید و نوار صدا با حرف زدن تکان بخورد.",
        "laptop",
        "",
        "done",
    ),
]


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size, layout_engine=ImageFont.Layout.RAQM)


def _rtl(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, fill: str) -> None:
    # Right-aligned at xy; raqm shapes the Persian letters and orders them right to left.
    font = _font(size)
    width = draw.textlength(text, font=font, direction="rtl", language="fa")
    draw.text((xy[0] - width, xy[1]), text, font=font, fill=fill, direction="rtl", language="fa")


def _prompt(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], step: str) -> None:
    """The browser's permission question: a camera, a microphone and the answer to tap."""
    left, top, right, bottom = box
    draw.rounded_rectangle(box, 12, fill=PAPER, outline=INK, width=3)
    cx = (left + right) // 2
    # A camera and a microphone, the two things asked for.
    draw.rounded_rectangle((cx - 70, top + 18, cx - 20, top + 52), 6, fill=BLUE)
    draw.polygon([(cx - 20, top + 35), (cx - 4, top + 22), (cx - 4, top + 48)], fill=BLUE)
    draw.rounded_rectangle((cx + 25, top + 14, cx + 45, top + 44), 10, fill=BLUE)
    draw.arc((cx + 17, top + 26, cx + 53, top + 56), 0, 180, fill=BLUE, width=4)
    draw.line((cx + 35, top + 56, cx + 35, top + 64), fill=BLUE, width=4)
    button_top = bottom - 46
    if step == "settings":
        # Two switches turned on: camera and microphone in the site's settings.
        for y in (top + 78, top + 108):
            draw.rounded_rectangle((cx + 10, y, cx + 60, y + 22), 11, fill=GREEN)
            draw.ellipse((cx + 40, y + 2, cx + 58, y + 20), fill=PAPER)
            draw.rectangle((cx - 70, y + 6, cx - 10, y + 16), fill=GREY)
        return
    if step == "allow":
        draw.rounded_rectangle((left + 14, button_top, cx - 6, bottom - 12), 8, fill=GREY)
        draw.rounded_rectangle((cx + 6, button_top, right - 14, bottom - 12), 8, fill=GREEN)
        _rtl(draw, (right - 22, button_top + 6), "اجازه", 16, PAPER)
        # A finger's tap on the green answer.
        tap = ((cx + right) // 2, bottom - 22)
        draw.ellipse((tap[0] - 26, tap[1] - 26, tap[0] + 26, tap[1] + 26), outline=RED, width=4)


def _device(draw: ImageDraw.ImageDraw, slide: Slide) -> tuple[int, int, int, int]:
    """The phone or the laptop, with its address bar; returns the box of the permission question."""
    if slide.device == "phone":
        draw.rounded_rectangle((60, 40, 250, 350), 24, fill=INK)
        draw.rectangle((72, 70, 238, 320), fill="#f8f9fa")
        draw.rounded_rectangle((80, 78, 230, 100), 10, fill=PAPER, outline=GREY)
        draw.rectangle((88, 84, 98, 94), outline=INK, width=2)  # the lock by the address
        if slide.browser:
            draw.text((104, 80), slide.browser, font=_font(12), fill=INK)
        return (80, 130, 230, 280)
    draw.rounded_rectangle((30, 50, 330, 250), 10, fill=INK)
    draw.rectangle((40, 60, 320, 240), fill="#f8f9fa")
    draw.polygon([(10, 250), (350, 250), (370, 275), (-10, 275)], fill="#6c757d")
    draw.rounded_rectangle((48, 66, 312, 86), 8, fill=PAPER, outline=GREY)
    draw.rectangle((54, 71, 63, 80), outline=INK, width=2)
    if slide.browser:
        draw.text((70, 67), slide.browser, font=_font(12), fill=INK)
    return (60, 96, 230, 226)


def draw_slide(slide: Slide, number: int) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), "#e7f1ff")
    draw = ImageDraw.Draw(image)
    box = _device(draw, slide)
    if slide.step == "done":
        cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        draw.ellipse((cx - 50, cy - 50, cx + 50, cy + 50), fill=GREEN)
        draw.line([(cx - 25, cy), (cx - 5, cy + 22), (cx + 28, cy - 20)], fill=PAPER, width=10)
    else:
        _prompt(draw, box, slide.step)
    _rtl(draw, (WIDTH - 24, 40), slide.title, 26, INK)
    _rtl(
        draw,
        (WIDTH - 24, 300),
        f"{number:d} / {len(SLIDES):d}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
        18,
        BLUE,
    )
    return image


def _vtt_time(seconds: int) -> str:
    return f"00:{seconds // 60:02d}:{seconds % 60:02d}.000"


def write_captions(path: Path) -> None:
    lines = ["WEBVTT", ""]
    for index, slide in enumerate(SLIDES):
        start, end = index * SECONDS_PER_SLIDE, (index + 1) * SECONDS_PER_SLIDE
        lines += [str(index + 1), f"{_vtt_time(start)} --> {_vtt_time(end)}", slide.caption, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_tone(path: Path) -> None:
    """A short two-note chime (8 kHz, 8-bit mono WAV: every browser plays it, a few KB)."""
    rate, samples = 8000, bytearray()
    for frequency, length in ((660, 0.35), (880, 0.45)):
        count = int(rate * length)
        for i in range(count):
            fade = min(1.0, i / 200, (count - i) / 400)  # no click at either end
            value = math.sin(2 * math.pi * frequency * i / rate) * 0.6 * fade
            samples += struct.pack("B", int(128 + 127 * value))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(bytes(samples))


def main() -> int:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("ffmpeg is missing: apt-get install ffmpeg", file=sys.stderr)
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for index, slide in enumerate(SLIDES):
            draw_slide(slide, index + 1).save(Path(tmp) / f"slide{index:02d}.png")
        # The image demuxer shows the last still for one frame only: repeat it to hold it.
        draw_slide(SLIDES[-1], len(SLIDES)).save(Path(tmp) / f"slide{len(SLIDES):02d}.png")
        draw_slide(SLIDES[1], 2).save(TARGET / "help-video-poster.png", optimize=True)
        frames = ["-framerate", f"1/{SECONDS_PER_SLIDE}", "-i", str(Path(tmp) / "slide%02d.png")]
        # Stills change every few seconds, so a low frame rate and a high CRF stay small.
        common = ["-hide_banner", "-loglevel", "error", "-y", *frames, "-r", "5", "-an"]
        subprocess.run(  # noqa: S603 (our own arguments)
            [ffmpeg, *common, "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "40",
             "-pix_fmt", "yuv420p", str(TARGET / "help-video.webm")],
            check=True,
        )  # fmt: skip
        # H.264 as well: older iPhones' Safari plays no WebM.
        subprocess.run(  # noqa: S603 (our own arguments)
            [ffmpeg, *common, "-c:v", "libx264", "-crf", "30", "-preset", "veryslow",
             "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(TARGET / "help-video.mp4")],
            check=True,
        )  # fmt: skip
    write_captions(TARGET / "help-video.fa.vtt")
    write_tone(TARGET / "test-tone.wav")
    for path in sorted(TARGET.iterdir()):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
