"""Render the README's screenshots: every page of the main window, the new-project wizard, and
the Train page in the dark theme (1280x800 PNGs, offscreen) and in a 1024x700 window.

    python resources/screenshots/make_screenshots.py [--project DIR] [--video FILE]
                                                     [--detection-project DIR] [--out DIR]

Without --project it first runs the quick demo (a few minutes) and shows its project; the
README's pictures come from the full demo's (`make demo`, then `--project demo_out/project`).
The detection pictures (the Preview with hand boxes, the Data page with hands) come from a
detection demo's project: `--detection-project DIR` (its folder's input.mp4 plays in the
Preview), else the quick detection demo is run first.
Pages are rendered by `studio gui --page NAME --screenshot FILE`, as a user would; settings go
to a throw-away folder, so the user's own recent projects and window layout are not touched.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
# data first: opening the project puts it in the (throw-away) recent list the Projects page shows
PAGES = ("data", "projects", "label", "train", "runs", "optimize", "preview")
DETECTION_PAGES = ("data", "preview")     # detection-<page>.png


def studio(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "studio.cli", *args], cwd=ROOT, env=env, check=True)


def shrink(path: Path) -> None:
    """256 colors without dithering: a third of the size, the same picture of a flat GUI."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def shots_env(prefix: str = "studio-shots-") -> tuple[Path, dict[str, str]]:
    """(a throw-away work folder, the environment the renders run in): offscreen, settings in that
    folder, so the user's recent projects and window layout are not touched (`use_env` applies it
    to this process, for the pictures taken here)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    return work, {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STUDIO_CONFIG_DIR": str(work / "config")}


def use_env(env: dict[str, str]) -> None:
    """This process renders with `env`'s platform and settings folder (before Qt starts)."""
    os.environ.update({k: env[k] for k in ("QT_QPA_PLATFORM", "STUDIO_CONFIG_DIR")})


def light_window():
    """(the QApplication, a shown MainWindow at 1280x800 in the light theme), in this process."""
    from PySide6.QtWidgets import QApplication

    from studio.main_window import MainWindow
    from studio.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    apply_theme(app, "light")
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    return app, window


def settle(app, seconds: float, until=lambda: False) -> None:
    """Run the event loop for `seconds`, or until `until()` is true."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not until():
        app.processEvents()
        time.sleep(0.02)


def wizard_shots(out: Path) -> None:
    """The wizard's first and import pages, in this process (a dialog has no --page)."""
    app, window = light_window()
    wizard = window.page("projects").new_project()
    settle(app, 1.0)
    wizard.grab().save(str(out / "wizard-family.png"))
    wizard.next()
    wizard.location_page.parent_folder.setText(tempfile.gettempdir())
    wizard.next()
    wizard.import_page.buttons["sample"].click()
    settle(app, 1.0)
    wizard.grab().save(str(out / "wizard-import.png"))
    wizard.reject()
    window.close()


def detection_shots(project: Path | None, out: Path, work: Path, env: dict[str, str]) -> None:
    """The detection family's pages: a hand detector's project (the quick detection demo's by default)."""
    if project is None:
        studio("demo", "--task", "detection", "--out", str(work / "detection"), "--quick", env=env)
        project = work / "detection" / "project"
    family_shots(project, "detection", DETECTION_PAGES, out, env)


def family_shots(project: Path, prefix: str, pages: tuple[str, ...], out: Path, env: dict[str, str],
                 video: Path | None = None) -> list[Path]:
    """OUT/<prefix>-<page>.png of `project`'s pages; the Preview plays `video` (default: the
    project folder's sibling input.mp4, where a demo writes it)."""
    video = video or project.parent / "input.mp4"
    written = []
    for page in pages:
        extra = ["--source", str(video)] if page == "preview" and video.is_file() else []
        path = out / f"{prefix}-{page}.png"
        studio("gui", str(project), "--page", page, "--theme", "light", "--screenshot", str(path), *extra, env=env)
        print(f"wrote {path}")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", help="project to show (default: run the quick demo first)")
    parser.add_argument("--video", help="video for the Preview page (default: the demo's input.mp4)")
    parser.add_argument("--detection-project", help="a detection project for the detection pictures (default: run "
                                                    "the quick detection demo first)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work, env = shots_env()
    if args.project:
        project = Path(args.project).resolve()
        video = Path(args.video) if args.video else project.parent / "input.mp4"
    else:
        studio("demo", "--out", str(work / "demo"), "--quick", env=env)
        project, video = work / "demo" / "project", work / "demo" / "input.mp4"
    for page in PAGES:
        extra = ["--source", str(video)] if page == "preview" and video.is_file() else []
        studio("gui", str(project), "--page", page, "--theme", "light", "--screenshot", str(out / f"{page}.png"),
               *extra, env=env)
        print(f"wrote {out / f'{page}.png'}")
    studio("gui", str(project), "--page", "train", "--theme", "dark", "--screenshot", str(out / "train-dark.png"),
           env=env)
    studio("gui", str(project), "--page", "train", "--theme", "light", "--size", "1024x700", "--screenshot",
           str(out / "train-1024x700.png"), env=env)
    detection_shots(Path(args.detection_project).resolve() if args.detection_project else None, out, work, env)
    use_env(env)
    sys.path.insert(0, str(ROOT))
    wizard_shots(out)
    for png in out.glob("*.png"):
        shrink(png)
    print(f"wrote the wizard pictures to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
