"""The project's one parameters file, ``params.toml``: what the main job fits and draws.

``make``, the defaults of ``polthemes fit`` and ``polthemes figures``, and the parameters
cells of notebooks 03 and 04 all read it, so changing K (or the seed, the chains, the
unit ...) in one place changes every figure. A run that used the file records its SHA-256
in the manifest (``params``).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from polthemes.config import PROJECT_ROOT
from polthemes.settings import AnalysisError, AnalysisSettings, parse_k_values

PARAMS_FILE = PROJECT_ROOT / "params.toml"

#: Keys of ``[analysis]`` -> the :class:`AnalysisSettings` field each sets.
ANALYSIS_KEYS = {"k": "k_values", "seed": "seed", "chains": "chains", "heldout_folds": "heldout_folds", "unit": "unit",
                 "mode": "mode", "backend": "backend", "cross_check": "cross_check", "bootstrap": "n_boot"}
CORPUS_KEYS = ("path", "results")


class ParamsError(AnalysisError):
    """The parameters file cannot be read or holds a value that cannot work; ``FILE: PROBLEM``."""


@dataclass(frozen=True)
class ProjectParams:
    """The main job's corpus, results folder and settings, as ``params.toml`` gives them."""

    corpus: Path
    results: Path
    settings: AnalysisSettings
    path: Path
    sha256: str

    def record(self) -> dict:
        """What a manifest records of the file: where it is and its SHA-256."""
        return {"file": self.path.name, "sha256": self.sha256}

    def with_settings(self, settings: AnalysisSettings) -> ProjectParams:
        return replace(self, settings=settings)


def load_params(path: str | Path = PARAMS_FILE) -> ProjectParams:
    """Read ``path``; :class:`ParamsError` naming the file and the key for anything wrong.

    A missing file gives the built-in defaults on ``data/raw/`` (a project copied without
    it still runs); an unknown section or key is refused, since a misspelt key would
    otherwise be ignored in silence.
    """
    path = Path(path)
    if not path.exists():
        settings = AnalysisSettings()
        return ProjectParams(PROJECT_ROOT / "data" / "raw", PROJECT_ROOT / "results" / "seeds", settings, path, "")
    try:
        data = path.read_bytes()
        table = tomllib.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ParamsError(f"{path}: cannot be read as TOML ({error})") from None
    unknown = sorted(set(table) - {"corpus", "analysis"})
    if unknown:
        raise ParamsError(f"{path}: unknown section(s) {', '.join(unknown)}; known: [corpus], [analysis]")
    corpus, analysis = table.get("corpus", {}), table.get("analysis", {})
    for section, values, known in (("corpus", corpus, CORPUS_KEYS), ("analysis", analysis, tuple(ANALYSIS_KEYS))):
        if not isinstance(values, dict):
            raise ParamsError(f"{path}: [{section}] must be a table of keys")
        extra = sorted(set(values) - set(known))
        if extra:
            raise ParamsError(f"{path}: unknown key(s) {', '.join(extra)} in [{section}]; known: {', '.join(known)}")
    fields = {}
    for key, value in analysis.items():
        fields[ANALYSIS_KEYS[key]] = _value(path, key, value)
    settings = AnalysisSettings(**fields)
    try:
        settings.check()
    except AnalysisError as error:
        raise ParamsError(f"{path}: {error}") from None
    root = path.resolve().parent
    return ProjectParams(
        corpus=root / corpus.get("path", "data/raw"),
        results=root / corpus.get("results", "results/seeds"),
        settings=settings,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _value(path: Path, key: str, value):
    """A TOML value as the settings field expects it."""
    where = f"{path}: [analysis] {key}"
    if key == "k":
        try:
            return parse_k_values(str(value))
        except ValueError as error:
            raise ParamsError(f"{where}: {error}") from None
    if key == "chains":
        if value == "auto":
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise ParamsError(f'{where}: must be "auto" or a whole number, got {value!r}')
        return value
    if key == "cross_check":
        if isinstance(value, str):
            value = [] if value.strip().lower() in ("", "none") else [v.strip() for v in value.split(",")]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParamsError(f"{where}: must be a list of backend names, got {value!r}")
        return tuple(value)
    expected = int if key in ("seed", "heldout_folds", "bootstrap") else str
    if not isinstance(value, expected) or isinstance(value, bool):
        raise ParamsError(f"{where}: must be a {'whole number' if expected is int else 'string'}, got {value!r}")
    return value
