"""The exercises FormCheck knows, in one place: the CLI, `auto`, overlay, reports, history and
benchmarks all read them from here.

An exercise is one module in this package with a module-level `SPEC` (an `ExerciseSpec`): it
is found and registered the first time the registry is asked, so adding one touches no other
file. `register` adds one from elsewhere (a plug-in, a test's toy exercise); `unregister`
takes it away again.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from exercises.framework.analyser import POSTURES, ExerciseSpec
from exercises.framework.cues import CATALOG, Cue

_SPECS: dict[str, ExerciseSpec] = {}
_SHARED_CUES = frozenset(CATALOG)  # the framework's own (set-up, lower back): never taken away
_discovered = False


class UnknownExercise(KeyError, ValueError):
    """A name no registered exercise has (KeyError for lookups, ValueError for arguments)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _discover() -> None:
    """Register the `SPEC` of every module of this package, once."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    package = importlib.import_module("exercises.library")
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        spec = getattr(importlib.import_module(f"{package.__name__}.{info.name}"), "SPEC", None)
        if isinstance(spec, ExerciseSpec):
            found.append(spec)
    for spec in sorted(found, key=lambda s: (s.order, s.name)):
        if spec.name not in _SPECS:
            register(spec)


def register(spec: ExerciseSpec) -> ExerciseSpec:
    """Make `spec` known everywhere; its own cues join the catalogue. Returns it (usable as `SPEC = register(...)`)."""
    _discover()
    if spec.name in _SPECS or spec.name == "auto" or resolve(spec.name) is not None:
        raise ValueError(f"an exercise named {spec.name!r} is already registered")
    if spec.posture is not None and spec.posture not in POSTURES:
        raise ValueError(f"{spec.name}: posture must be one of {', '.join(POSTURES)}, not {spec.posture!r}")
    for cue in spec.cues:
        if CATALOG.get(cue.code, cue) != cue:
            raise ValueError(f"{spec.name}: cue {cue.code!r} already means something else")
    missing = {r.cue for r in spec.faults} - set(CATALOG) - {c.code for c in spec.cues}
    if missing:
        raise ValueError(f"{spec.name}: fault rules raise cues nobody defined: {', '.join(sorted(missing))}")
    CATALOG.update({c.code: c for c in spec.cues})
    _SPECS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Forget an exercise registered with `register` (and the cues it brought that no other exercise declares)."""
    spec = _SPECS.pop(name)
    still_declared = _SHARED_CUES | {c.code for s in _SPECS.values() for c in s.cues}
    for cue in spec.cues:
        if cue.code not in still_declared:
            CATALOG.pop(cue.code, None)


@contextmanager
def registered(spec: ExerciseSpec) -> Iterator[ExerciseSpec]:
    """`spec` registered for the duration of a `with` block."""
    register(spec)
    try:
        yield spec
    finally:
        unregister(spec.name)


def cue(code: str) -> Cue:
    """The cue `code`, from the shared ones or any registered exercise's (KeyError if nobody declares it)."""
    return cues()[code]


def cues() -> Mapping[str, Cue]:
    """Every cue: the shared ones and those the registered exercises declare."""
    _discover()
    return CATALOG


def names() -> tuple[str, ...]:
    """Registered exercise names in their usual order (squat, lunge, bridge, then newer ones)."""
    return tuple(s.name for s in specs())


def specs() -> tuple[ExerciseSpec, ...]:
    _discover()
    return tuple(sorted(_SPECS.values(), key=lambda s: s.order))


def get(name: str) -> ExerciseSpec:
    """The spec of `name` (or of an alias of it); UnknownExercise says which names exist."""
    resolved = resolve(name)
    if resolved is None:
        raise UnknownExercise(f"unknown exercise {name!r}; choose one of {', '.join(names())}")
    return _SPECS[resolved]


def resolve(name: str) -> str | None:
    """The registered name `name` stands for (itself or an alias), or None."""
    _discover()
    if name in _SPECS:
        return name
    return next((s.name for s in _SPECS.values() if name in s.aliases), None)


def candidates() -> tuple[ExerciseSpec, ...]:
    """Exercises `--exercise auto` can recognise: those that declare a signature."""
    return tuple(s for s in specs() if s.signature is not None)
