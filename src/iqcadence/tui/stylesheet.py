"""The app's stylesheet: parsed CSS kept across Textual's re-parses and,
on disk, from one run of the app to the next.

Parsing the CSS of the first screen (Textual's widgets' own and ours) is a
good part of the app's start-up, yet the CSS is the same run after run. Each
parsed source is stored in the data folder, keyed by its text, location and
the theme's variables (and, in the file name, the installed Textual), and is
read back instead of parsed when nothing of that changed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import textual
from textual.cache import LRUCache
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

CacheKey = tuple[Any, ...]
MAX_STORED = 256  # parsed sources kept on disk (this run's are kept first)


def textual_installed() -> tuple[str, int]:
    """Where Textual is installed and when its CSS parser was written: parses
    stored by another Textual are not read back. (`textual.__version__` reads
    the package metadata, several milliseconds.)"""
    parser = Path(textual.__file__).parent / "css" / "parse.py"
    try:
        return str(parser), parser.stat().st_mtime_ns
    except OSError:
        return str(parser), 0


def parses_folder() -> Path:
    from iqcadence.core.store.db import data_dir

    return data_dir() / "cache"


class StoredParses(LRUCache[CacheKey, list[RuleSet]]):
    """Textual's in-memory cache of parsed CSS sources (`Stylesheet._parse_cache`,
    keyed by the source's text, location, defaults flag, tie breaker and
    scope) that also looks a missing source up in the file stored by an
    earlier run for the same variables, and stores this run's with `store()`."""

    def __init__(self, folder: Path | None, variables: dict[str, str]) -> None:
        super().__init__(512)
        self.folder = folder
        self.loaded = 0  # sources read back from the file (tests look)
        self._use(variables)

    def _use(self, variables: dict[str, str]) -> None:
        digest = hashlib.sha256(
            repr((textual_installed(), sorted(variables.items()))).encode()
        ).hexdigest()[:16]
        self._file = None if self.folder is None else self.folder / f"parsed-css-{digest}.pickle"
        self._stored: dict[CacheKey, bytes] | None = None  # read on the first miss
        self._new: dict[CacheKey, list[RuleSet]] = {}  # parsed in this run
        self._used: set[CacheKey] = set()

    def use_variables(self, variables: dict[str, str]) -> None:
        """The theme's variables changed: parses are of those from now on."""
        self.clear()
        self._use(variables)

    def _read(self) -> dict[CacheKey, bytes]:
        if self._stored is None:
            self._stored = {}
            if self._file is not None:
                try:
                    stored = pickle.loads(self._file.read_bytes())
                    if isinstance(stored, dict):
                        self._stored = stored
                except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
                    pass  # no file yet, or an unreadable one: parse as usual
        return self._stored

    def __getitem__(self, key: CacheKey) -> list[RuleSet]:
        try:
            return super().__getitem__(key)
        except KeyError:
            data = self._read().get(key)
            if data is None:
                raise
            try:
                rules: list[RuleSet] = pickle.loads(data)
            except Exception:  # stored by another version of a class: parse anew
                raise KeyError(key) from None
            self.loaded += 1
            self._used.add(key)
            super().set(key, rules)
            return rules

    def set(self, key: CacheKey, value: list[RuleSet]) -> None:
        if key not in self:
            self._new[key] = value
            self._used.add(key)
        super().set(key, value)

    __setitem__ = set

    def store(self) -> None:
        """Write the sources parsed in this run next to those read back (the
        sources of this run first, at most MAX_STORED in all)."""
        if self._file is None or not self._new:
            return
        stored = self._read()
        kept = {key: stored[key] for key in self._used if key in stored}
        try:
            for key, rules in self._new.items():
                kept[key] = pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # something Textual put in a rule does not pickle
            return
        for key, data in stored.items():
            if len(kept) >= MAX_STORED:
                break
            kept.setdefault(key, data)
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self._file.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(kept, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self._file)
        except OSError:
            return  # a read-only data folder: parse again next time
        self._stored = kept
        self._new = {}


class ReusingStylesheet(Stylesheet):
    """Textual re-parses every stylesheet from scratch whenever a screen is
    first shown or the theme is applied, even when neither the CSS nor its
    variables changed. This keeps the parsed rules of each source across
    those re-parses while the variables stay the same (and across runs, see
    StoredParses); a theme change still parses anew."""

    def __init__(
        self, *, variables: dict[str, str] | None = None, folder: Path | None = None
    ) -> None:
        super().__init__(variables=variables)
        self.parses = StoredParses(folder, self._variables)
        self._parse_cache = self.parses

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables != self._variables:
            super().set_variables(variables)
            self.parses.use_variables(variables)

    def reparse(self) -> None:
        fresh = Stylesheet(variables=self._variables)
        fresh._parse_cache = self._parse_cache
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            fresh.add_source(
                css,
                read_from=read_from,
                is_default_css=is_defaults,
                tie_breaker=tie_breaker,
                scope=scope,
            )
        try:
            fresh.parse()
        except Exception:
            self._invalid_css.update(fresh._invalid_css)
            raise
        self._rules = fresh.rules
        self._rules_map = None
        self.source = fresh.source
        self._require_parse = False
