"""Draw the five model-family pictures the new-project wizard shows (240x160 PNGs, run once).

    python resources/families/make_pictures.py

Each picture shows what the family's model outputs on a small drawn scene: masks, boxes, a
skeleton, an action label over a strip of frames, a hand box with a gesture label.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

W, H = 240, 160
OUT = Path(__file__).resolve().parent
AA = cv2.LINE_AA
FONT = cv2.FONT_HERSHEY_SIMPLEX
# BGR
BLUE, ORANGE, GREEN, PINK, YELLOW = (237, 111, 47), (40, 140, 245), (90, 190, 70), (170, 90, 230), (40, 200, 240)


def scene(w: int = W, h: int = H) -> np.ndarray:
    """A soft sky-and-ground backdrop."""
    img = np.zeros((h, w, 3), np.float32)
    t = np.linspace(0, 1, h)[:, None]
    sky = (1 - t) * np.array([236, 222, 200]) + t * np.array([222, 212, 196])
    ground = (1 - t) * np.array([168, 196, 170]) + t * np.array([130, 165, 140])
    horizon = int(h * 0.62)
    img[:horizon] = sky[:horizon, None, :]
    img[horizon:] = ground[horizon:, None, :]
    return img.astype(np.uint8)


def tag(img: np.ndarray, text: str, x: int, y: int, color, scale: float = 0.4) -> None:
    """A filled label tag whose bottom-left corner is (x, y)."""
    (tw, th), base = cv2.getTextSize(text, FONT, scale, 1)
    x = max(0, min(x, img.shape[1] - tw - 7))  # keep the whole tag inside the picture
    y = max(th + base + 3, y)
    cv2.rectangle(img, (x, y - th - base - 3), (x + tw + 6, y), color, -1, AA)
    cv2.putText(img, text, (x + 3, y - base - 1), FONT, scale, (255, 255, 255), 1, AA)


def blend(img: np.ndarray, mask: np.ndarray, color, alpha: float = 0.5) -> None:
    img[mask] = (img[mask] * (1 - alpha) + np.array(color) * alpha).astype(np.uint8)


def objects(img: np.ndarray) -> list[tuple[np.ndarray, str, tuple]]:
    """Draw three plain objects; return (mask, name, color) for each."""
    out = []
    shapes = [("circle", (62, 92), PINK, "ball"), ("car", (150, 104), BLUE, "car"),
              ("tri", (205, 92), ORANGE, "cone")]
    for kind, (cx, cy), color, name in shapes:
        m = np.zeros(img.shape[:2], np.uint8)
        if kind == "circle":
            cv2.circle(m, (cx, cy), 26, 255, -1, AA)
        elif kind == "car":
            cv2.rectangle(m, (cx - 42, cy - 12), (cx + 42, cy + 14), 255, -1)
            cv2.rectangle(m, (cx - 24, cy - 30), (cx + 20, cy - 10), 255, -1)
            for dx in (-24, 24):
                cv2.circle(m, (cx + dx, cy + 16), 10, 255, -1, AA)
        else:
            pts = np.array([[cx, cy - 34], [cx - 20, cy + 22], [cx + 20, cy + 22]], np.int32)
            cv2.fillPoly(m, [pts], 255, AA)
        body = tuple(int(c * 0.55 + 70) for c in color)
        img[m > 0] = body
        out.append((m > 0, name, color))
    return out


def instance_segmentation() -> np.ndarray:
    img = scene()
    for mask, name, color in objects(img):
        blend(img, mask, color, 0.55)
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(img, contours, -1, color, 2, AA)
        ys, xs = np.nonzero(mask)
        tag(img, name, int(xs.min()), int(ys.min()) - 2, color)
    return img


def detection() -> np.ndarray:
    img = scene()
    for (mask, name, color), score in zip(objects(img), (0.97, 0.93, 0.88)):
        ys, xs = np.nonzero(mask)
        x0, y0, x1, y1 = int(xs.min()) - 2, int(ys.min()) - 2, int(xs.max()) + 2, int(ys.max()) + 2
        cv2.rectangle(img, (x0, y0), (x1, y1), color, 2, AA)
        tag(img, f"{name} {score:.2f}", x0 - 1, y0, color, 0.36)
    return img


# COCO keypoint order: nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles
def person(cx: float, top: float, s: float, arm: float = 0.0) -> np.ndarray:
    """17 keypoints of a standing person (arm: right arm raise angle in radians)."""
    k = np.array([[0, 0], [-3, -3], [3, -3], [-7, -1], [7, -1], [-15, 16], [15, 16], [-20, 38], [20, 38],
                  [-22, 58], [22, 58], [-10, 62], [10, 62], [-12, 92], [12, 92], [-13, 122], [13, 122]], float)
    if arm:  # 0 hangs down, pi points up; the arm swings outwards
        sx, sy = k[6]
        for j, r in ((8, 23.0), (10, 44.0)):
            k[j] = [sx + r * np.sin(arm), sy + r * np.cos(arm)]
    return k * s + np.array([cx, top])


SKELETON = [(15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7), (6, 8), (7, 9),
            (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6)]


def limb_color(a: int, b: int):
    if min(a, b) <= 4:
        return YELLOW
    side = (a % 2, b % 2)
    return ORANGE if side == (1, 1) else BLUE if side == (0, 0) else GREEN


def draw_person(img: np.ndarray, pts: np.ndarray, body: bool = True, thick: int = 2, r: int = 3) -> None:
    p = [tuple(int(round(v)) for v in q) for q in pts]
    if body:
        cv2.circle(img, p[0], int(9 * thick / 2), (150, 150, 160), -1, AA)
    for a, b in SKELETON:
        cv2.line(img, p[a], p[b], limb_color(a, b), thick, AA)
    for q in p:
        cv2.circle(img, q, r, (255, 255, 255), -1, AA)
        cv2.circle(img, q, r, (60, 60, 60), 1, AA)


def pose() -> np.ndarray:
    img = scene()
    draw_person(img, person(80, 22, 1.0, arm=2.3))
    draw_person(img, person(170, 32, 0.85), thick=2, r=3)
    tag(img, "17 keypoints", 150, 18, GREEN)
    return img


def action_recognition() -> np.ndarray:
    img = np.full((H, W, 3), (58, 52, 46), np.uint8)
    n, fw, fh, gap = 4, 52, 72, 6
    x0 = (W - (n * fw + (n - 1) * gap)) // 2
    for i in range(n):
        frame = scene(fw, fh)
        arm = 1.4 + 0.5 * (1 if i % 2 else -1)
        draw_person(frame, person(fw / 2, 8, 0.45, arm=arm), thick=1, r=1)
        x = x0 + i * (fw + gap)
        img[40:40 + fh, x:x + fw] = frame
        for y in (32, 40 + fh + 4):  # film sprocket holes
            for hx in range(x + 4, x + fw - 4, 10):
                cv2.rectangle(img, (hx, y), (hx + 5, y + 4), (200, 200, 200), -1)
        cv2.putText(img, f"t{i + 1}", (x + 2, 40 + fh - 4), FONT, 0.3, (60, 60, 60), 1, AA)
    cv2.arrowedLine(img, (x0, 132), (W - x0, 132), (200, 200, 200), 1, AA, tipLength=0.03)
    tag(img, "waving  0.91", 80, 156, GREEN, 0.45)
    tag(img, "clip of 4 frames", 8, 22, (110, 100, 90), 0.38)
    return img


def hand(img: np.ndarray, cx: int, cy: int) -> tuple[int, int, int, int]:
    """A drawn open palm; returns its box."""
    skin, edge = (150, 185, 230), (95, 125, 175)
    m = np.zeros(img.shape[:2], np.uint8)
    cv2.ellipse(m, (cx, cy + 14), (24, 28), 0, 0, 360, 255, -1, AA)
    for dx, length, ang in ((-18, 34, -12), (-6, 42, -4), (6, 44, 3), (18, 36, 10)):
        x, y = cx + dx, cy - 4
        tx, ty = x + int(length * np.sin(np.radians(ang))), y - int(length * np.cos(np.radians(ang)))
        cv2.line(m, (x, y), (tx, ty), 255, 11, AA)
        cv2.circle(m, (tx, ty), 5, 255, -1, AA)
    cv2.line(m, (cx - 20, cy + 20), (cx - 44, cy + 2), 255, 12, AA)  # thumb
    img[m > 0] = skin
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(img, contours, -1, edge, 1, AA)
    ys, xs = np.nonzero(m)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def gesture() -> np.ndarray:
    img = scene()
    x0, y0, x1, y1 = hand(img, 128, 82)
    cv2.rectangle(img, (x0 - 4, y0 - 4), (x1 + 4, y1 + 4), BLUE, 2, AA)
    tag(img, "hand 0.95", x0 - 5, y0 - 4, BLUE, 0.36)
    tag(img, "gesture: open palm 0.89", 34, 156, GREEN, 0.42)
    return img


PICTURES = {"instance_segmentation": instance_segmentation, "detection": detection, "pose": pose,
            "action_recognition": action_recognition, "gesture": gesture}


def main() -> None:
    for name, draw in PICTURES.items():
        path = OUT / f"{name}.png"
        assert cv2.imwrite(str(path), draw()), path
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
