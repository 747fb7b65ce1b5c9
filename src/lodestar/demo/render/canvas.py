"""Where a part draws: pixel boxes, and a canvas addressed in fractions of its size."""

from __future__ import annotations

from PIL import Image, ImageDraw

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of width / height
PixelBox = tuple[int, int, int, int]


class Canvas:
    """An image and its ImageDraw, addressed in fractions, so that one plan draws the same
    picture at any resolution."""

    def __init__(self, img: Image.Image) -> None:
        self.img = img
        self.draw = ImageDraw.Draw(img)
        self.w, self.h = img.size

    def px(self, box: Box) -> PixelBox:
        x0, y0, x1, y1 = box
        return (round(x0 * self.w), round(y0 * self.h), round(x1 * self.w), round(y1 * self.h))

    def pt(self, x: float, y: float) -> tuple[int, int]:
        return (round(x * self.w), round(y * self.h))

    def lw(self, frac: float) -> int:
        """A line width as a share of the height, at least one pixel."""
        return max(1, round(frac * self.h))
