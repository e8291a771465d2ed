"""Render the README's pose pictures from a pose project (the pose demo's: `studio demo --task pose`,
then `studio evaluate DIR --run demo --sizes ...` for the trade-off plot):

    python resources/screenshots/make_pose_screenshots.py --project DIR [--video FILE] [--out DIR]

pose-preview.png: the Preview page running the exported model over the demo's video (skeletons);
pose-label.png: the Label page on a labeled image (skeletons, a colour per limb, hidden keypoints
hollow with dashed limbs); pose-sizes.png: the Optimize page's Input size tab (AP against ms).
Settings go to a throw-away folder, as in make_screenshots.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from resources.screenshots.make_screenshots import (  # noqa: E402
    light_window, settle, shots_env, shrink, studio, use_env)


def sizes_shot(project: Path, out: Path) -> None:
    """The Optimize page with its Input size tab shown (a tab has no --page, so in this process)."""
    app, window = light_window()
    window.open_project(str(project))
    window.show_page("optimize")
    page = window.page("optimize")
    page.sections.setCurrentWidget(page.sizes_panel)
    settle(app, 3.0)
    window.grab().save(str(out / "pose-sizes.png"))
    window.session.close_project()
    window.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True, help="a pose project (the pose demo's)")
    parser.add_argument("--video", help="video for the Preview page (default: the demo's input.mp4)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    out = Path(args.out)
    project = Path(args.project).resolve()
    video = Path(args.video) if args.video else project.parent / "input.mp4"
    _work, env = shots_env("studio-pose-shots-")
    studio("gui", str(project), "--page", "preview", "--theme", "light", "--source", str(video), "--screenshot",
           str(out / "pose-preview.png"), env=env)
    studio("gui", str(project), "--page", "label", "--theme", "light", "--screenshot", str(out / "pose-label.png"),
           env=env)
    use_env(env)
    sizes_shot(project, out)
    for name in ("pose-preview.png", "pose-label.png", "pose-sizes.png"):
        shrink(out / name)
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
