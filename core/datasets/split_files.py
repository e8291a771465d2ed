"""HMDB-style split files: one line per video, ``name.avi 1|2|0`` — 1 train, 2 test, 0 not used.

HMDB51 ships three splits as ``<class>_test_split<N>.txt`` files (70% train / 30% test of each
class). `read_split_files(path, number)` reads one such file or a folder of them (of split
`number` when the folder's names say which split they are, else every ``.txt``) into
{clip name: split}; a clip's name is its video's file name without the suffix (``clip1`` for
``wave/clip1.mp4``), or its frame folder's name (``take1`` for ``clap/take1/rgb``). The test
videos (2) go to `heldout` ("val" by default: the split the trainer evaluates on; "test" keeps
them apart), the 0 ones are left out of every split.

`apply_split_files(project, mapping)` writes those splits of the project's clips in one
transaction and says what it matched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from core.errors import DataError
from core.project import Project
from core.project import catalog

CODES = {"1": "train", "2": "test", "0": None}
_SPLIT_NUMBER = re.compile(r"_split(\d+)\.txt$", re.IGNORECASE)


def clip_name(file_name: str) -> str:
    """The name split files use for a clip: its video's stem, or its frame folder's name."""
    parts = PurePosixPath(file_name).parts
    if len(parts) >= 2 and parts[-1] == "rgb":
        return parts[-2]
    return PurePosixPath(file_name).stem


def _files(path: Path, number: int) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataError(f"The split file or folder {path} does not exist.")
    texts = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".txt")
    numbered = [p for p in texts if _SPLIT_NUMBER.search(p.name)]
    if numbered:
        chosen = [p for p in numbered if int(_SPLIT_NUMBER.search(p.name).group(1)) == number]
        if not chosen:
            have = sorted({int(_SPLIT_NUMBER.search(p.name).group(1)) for p in numbered})
            raise DataError(f"{path} holds split files of split(s) {', '.join(map(str, have))}, not of split {number}.")
        return chosen
    if not texts:
        raise DataError(f"{path} holds no split files (.txt files of 'name.avi 1|2|0' lines).")
    return texts


def read_split_files(path: str | Path, number: int = 1, heldout: str = "val") -> dict[str, str | None]:
    """{clip name: "train" | `heldout` | None} from one split file or a folder of them."""
    if heldout not in ("val", "test"):
        raise DataError(f"The split files' test videos go to val or test, not {heldout!r}.")
    out: dict[str, str | None] = {}
    where: dict[str, str] = {}
    for f in _files(Path(path).expanduser(), number):
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise DataError(f"Cannot read the split file {f}: {exc.strerror or exc}.") from exc
        for n, line in enumerate(text.splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or parts[1] not in CODES:
                raise DataError(f"{f.name} line {n} is not 'name.avi 1|2|0' (1 train, 2 test, 0 unused): "
                                f"{line.strip()[:80]!r}.")
            name, split = PurePosixPath(parts[0]).stem, CODES[parts[1]]
            split = heldout if split == "test" else split
            if name in out and out[name] != split:
                raise DataError(f"{parts[0]} is listed as {out[name] or 'unused'} in {where[name]} and as "
                                f"{split or 'unused'} in {f.name} line {n}; a clip belongs to one split.")
            out[name], where[name] = split, f"{f.name} line {n}"
    if not out:
        raise DataError(f"The split file(s) at {path} list no videos.")
    return out


@dataclass
class SplitFileResult:
    sizes: dict[str, int]                              # clips per split written
    unused: int = 0                                    # listed with 0: left out of every split
    unlisted: list[str] = field(default_factory=list)  # clips of the project the files do not name
    unknown: list[str] = field(default_factory=list)   # names the files list that no clip has

    def sentences(self) -> list[str]:
        out = ["Split from the split files: " + ", ".join(f"{k} {v}" for k, v in self.sizes.items())
               + (f"; {self.unused} clip(s) marked 0 are in no split" if self.unused else "") + "."]
        if self.unlisted:
            out.append(f"{len(self.unlisted)} clip(s) are not in the split files and are in no split "
                       f"(e.g. {self.unlisted[0]}).")
        if self.unknown:
            out.append(f"{len(self.unknown)} name(s) of the split files match no clip of the project "
                       f"(e.g. {self.unknown[0]}).")
        return out


def assignment(clips: list[tuple[int, str]], mapping: dict[str, str | None]) -> tuple[dict[int, str | None],
                                                                                         SplitFileResult]:
    """Clip id -> split (None: in no split) for (clip id, video file name) pairs."""
    out: dict[int, str | None] = {}
    result = SplitFileResult({s: 0 for s in catalog.SPLITS})
    seen: set[str] = set()
    for clip_id, file_name in clips:
        name = clip_name(file_name)
        if name not in mapping:
            result.unlisted.append(file_name)
            out[clip_id] = None
            continue
        seen.add(name)
        out[clip_id] = mapping[name]
        if mapping[name] is None:
            result.unused += 1
        else:
            result.sizes[mapping[name]] += 1
    result.unknown = sorted(n for n in mapping if n not in seen)
    return out, result


def apply_split_files(project: Project, mapping: dict[str, str | None]) -> SplitFileResult:
    """Write the splits `mapping` gives the project's clips (one transaction); a clip the files
    leave out, or mark 0, is in no split afterwards."""
    clips = project.conn.execute("SELECT c.id, v.file_name FROM clips c JOIN videos v ON v.id = c.video_id "
                                 "ORDER BY c.id").fetchall()
    if not clips:
        raise DataError("The project has no clips to split; import videos first (studio data import).")
    splits, result = assignment([(i, f or "") for i, f in clips], mapping)
    if not any(result.sizes.values()):
        raise DataError(f"No clip of the project is named in the split files (they list e.g. "
                        f"{next(iter(mapping))}; the project's clips are e.g. {clip_name(clips[0][1] or '')}).")
    with project.transaction():
        project.conn.execute("DELETE FROM sample_splits WHERE unit = 'clip'")
        catalog.set_splits(project, {i: s for i, s in splits.items() if s is not None}, "clip")
    return result
