"""Versions as people write them: parse one, order many, match specs like `^18` or `>=2 <3`.

A numeric version is `v?N(.N)*`, optionally with a pre-release tag (`-rc1`, `-beta.2`,
`-canary.10`, `a1`, `.dev3`) and build metadata (`+sha`, ignored). `N.x` / `N.*` names are release
lines (a `5.x` docs folder). Anything else (`main`, `next`) is a plain name: it matches by name only.
Pre-releases rank below releases: they are picked only when asked for exactly or when nothing
else matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from codex7.errors import InvalidVersion

FORMS = (
    "an exact version (14.2.3, v14.2.3), a prefix (14, v14, 14.x, 14.*), "
    "a range (^18, ~18.2, >=2 <3, >=2,<3) or latest"
)


_NUMERIC = re.compile(r"[vV]?(?P<release>\d+(?:\.\d+)*)(?P<rest>.*)")
_SERIES = re.compile(r"(?:\.[xX*])+")
_TAG = re.compile(r"(?:[-_.]?[A-Za-z0-9]+)+")
_BUILD = re.compile(r"\+[0-9A-Za-z.\-]*$")
_RANGE_CHARS = re.compile(r"[\s,<>=^~!|]")
_TERM = re.compile(r"(>=|<=|==|!=|~=|[<>=^~])?(.+)")
_OP_SPACE = re.compile(r"(>=|<=|==|!=|~=|[<>=^~])\s+")
# Known tags in release order; any other tag (canary, next, preview…) ranks between beta and rc.
_TAG_RANK = {"dev": 0, "a": 1, "alpha": 1, "b": 2, "beta": 2, "c": 4, "rc": 4, "cr": 4}
_SLOTS = 6  # release components compared position by position (1.2 == 1.2.0)
_WIDTH = 9


def _num(n: int) -> str:
    return str(min(n, 10**_WIDTH - 1)).zfill(_WIDTH)


@dataclass(frozen=True)
class Version:
    """A numeric version name, parsed."""

    name: str
    release: tuple[int, ...]
    pre: tuple[str | int, ...] = ()  # the tag's pieces, e.g. ('rc', 1); empty for a release
    series: bool = False  # `5.x`: the whole 5 line

    @property
    def is_prerelease(self) -> bool:
        return bool(self.pre)

    @property
    def key(self) -> str:
        """Sortable text of digits and lowercase letters only, so that PostgreSQL orders it the
        same under any collation: release slots, then `a…` (pre-release) < `r` (release)."""
        digits = "".join(_num(n) for n in self.release)
        if self.series:
            return digits + "x"
        release = list(self.release)
        while len(release) > _SLOTS and release[-1] == 0:
            release.pop()
        padded = release + [0] * (_SLOTS - len(release))
        # Components beyond the slots are marked `s`, which sorts above both status letters.
        head = "".join(_num(n) for n in padded[:_SLOTS])
        head += "".join("s" + _num(n) for n in padded[_SLOTS:])
        if not self.pre:
            return head + "r"
        first = next((p for p in self.pre if isinstance(p, str)), "")
        tag = "".join(p if isinstance(p, str) else _num(p) for p in self.pre)
        return f"{head}a{_TAG_RANK.get(first, 3)}{tag}"


def parse_version(name: str) -> Version | None:
    """`v2.9.0-rc1` → Version(release=(2, 9, 0), pre=('rc', 1)); None for names like `main`."""
    m = _NUMERIC.fullmatch(name.strip())
    if not m:
        return None
    release = tuple(int(p) for p in m["release"].split("."))
    rest = _BUILD.sub("", m["rest"])
    if not rest:
        return Version(name, release)
    if _SERIES.fullmatch(rest):
        return Version(name, release, series=True)
    if not _TAG.fullmatch(rest):
        return None
    pieces = re.findall(r"[a-z]+|\d+", rest.lower())
    return Version(name, release, pre=tuple(int(p) if p.isdigit() else p for p in pieces))


def sort_key(name: str) -> str:
    """Numbers in version order, then plain names (which sort above every number)."""
    v = parse_version(name)
    return v.key if v else "z" + name.strip().lower()


def newest_first(names: Iterable[str]) -> list[str]:
    return sorted(names, key=sort_key, reverse=True)


def _preference(name: str) -> tuple[int, str]:
    v = parse_version(name)
    tier = 0 if v is None else 1 if v.is_prerelease else 2
    return tier, sort_key(name)


def best(names: Iterable[str]) -> str | None:
    """The newest release; else the newest pre-release; else the highest plain name."""
    return max(names, key=_preference, default=None)


@dataclass(frozen=True)
class Bound:
    op: str  # >=, >, <=, <, ==, !=, or "prefix"
    version: Version

    def holds(self, v: Version) -> bool:
        b = self.version
        if self.op == "prefix":
            n = len(b.release)
            have = v.release if v.series else v.release + (0,) * (n - len(v.release))
            return len(have) >= n and have[:n] == b.release
        if self.op == "==":
            return v.key == b.key
        if self.op == "!=":
            return v.key != b.key
        if self.op == ">=":
            return v.key >= b.key
        if self.op == ">":
            return v.key > b.key
        if self.op == "<=":
            return v.key <= b.key
        # `<3` leaves out 3.0.0-rc1 too, unless the bound is itself a pre-release.
        same_release = Version("", v.release).key == Version("", b.release).key
        return v.key < b.key and not (v.is_prerelease and not b.is_prerelease and same_release)


@dataclass(frozen=True)
class Spec:
    """What someone asked for: `latest`, bounds that must all hold, or (neither) a plain name."""

    text: str
    bounds: tuple[Bound, ...] = ()
    latest: bool = False

    def matches(self, name: str) -> bool:
        v = parse_version(name)
        return v is not None and bool(self.bounds) and all(b.holds(v) for b in self.bounds)

    @property
    def anchor(self) -> Version | None:
        """The version the spec is about (its first bound), for finding the closest one."""
        return self.bounds[0].version if self.bounds else None


def _invalid(text: str, problem: str) -> InvalidVersion:
    return InvalidVersion(f"Invalid version {text!r}: {problem}. Use {FORMS}.")


def _bump(release: tuple[int, ...], at: int) -> Version:
    return Version("", release[:at] + (release[at] + 1,))


def _term(token: str, text: str) -> list[Bound]:
    m = _TERM.fullmatch(token)
    v = parse_version(m[2]) if m else None
    if m is None or v is None:
        raise _invalid(text, f"cannot read {token!r}")
    op = m[1] or ""
    if op in ("", "=", "=="):
        return [Bound("prefix" if v.series or (not op and not v.pre) else "==", v)]
    if op == "^":
        nonzero = [i for i, n in enumerate(v.release) if n]
        return [Bound(">=", v), Bound("<", _bump(v.release, nonzero[0] if nonzero else -1))]
    if op == "~":
        return [Bound(">=", v), Bound("<", _bump(v.release, 1 if len(v.release) > 1 else 0))]
    if v.series:
        raise _invalid(text, f"{op} takes a version, not a wildcard")
    if op == "~=":
        if len(v.release) < 2:
            raise _invalid(text, "~= needs at least two components, e.g. ~=2.2")
        return [Bound(">=", v), Bound("<", _bump(v.release, len(v.release) - 2))]
    return [Bound(op, v)]


def parse_spec(text: str) -> Spec:
    """`^18`, `~18.2`, `>=2 <3`, `>=2,<3`, `18.x`, `18`, `v18`, `14.2.3`, `latest`, or a name."""
    s = text.strip()
    if s.lower() in ("", "latest", "*", "x"):
        return Spec(s, latest=True)
    if not _RANGE_CHARS.search(s):
        v = parse_version(s)
        if v is None:
            return Spec(s)
        return Spec(s, (Bound("==" if v.pre else "prefix", v),))
    tokens = [t for t in re.split(r"[\s,]+", _OP_SPACE.sub(r"\1", s)) if t]
    if not tokens:
        raise _invalid(text, "no version in it")
    return Spec(s, tuple(b for t in tokens for b in _term(t, text)))


def _bare(name: str) -> str:
    name = name.strip()
    return name[1:] if name[:1] in ("v", "V") and name[1:2].isdigit() else name


def same_name(a: str, b: str) -> bool:
    """`v14.2.3` and `14.2.3` name the same version; case does not matter."""
    return _bare(a).lower() == _bare(b).lower()


def pick(requested: str, names: Sequence[str], latest: str | None) -> str | None:
    """The version `requested` means among `names`, or None. `latest` is the library's latest.

    Raises InvalidVersion for a malformed range such as `>>2`.
    """
    exact = next((n for n in names if same_name(n, requested)), None)
    if exact is not None and exact.lower() != "latest":
        return exact
    spec = parse_spec(requested)
    if spec.latest:  # the library's latest, before a version that happens to be named so
        return latest or exact or best(names)
    if spec.bounds:
        return best(n for n in names if spec.matches(n))
    want = _bare(requested).lower()  # a plain name: `release` finds `release-2.0`
    return best(n for n in names if _bare(n).lower().startswith((want + ".", want + "-")))


def closest(requested: str, names: Sequence[str], latest: str | None) -> str | None:
    """For a version that is not indexed: the nearest of the same major version (the next newer
    one, else the newest older one; releases first), else the latest."""
    anchor = parse_spec(requested).anchor
    if anchor is not None:
        same = [
            (n, v)
            for n in names
            if (v := parse_version(n)) is not None and v.release[0] == anchor.release[0]
        ]
        pool = [(n, v) for n, v in same if not v.is_prerelease] or same
        if pool:
            newer = [(n, v) for n, v in pool if v.key >= anchor.key]
            if newer:
                return min(newer, key=lambda nv: nv[1].key)[0]
            return max(pool, key=lambda nv: nv[1].key)[0]
    return latest or best(names)


def becomes_latest(new: str, names: Sequence[str], current: str | None) -> bool:
    """Whether a version published without --latest/--not-latest becomes the latest.

    It does when it is the highest release (pre-releases count only when there is no release).
    A plain name (`main`) does only when nothing is latest yet, and a plain name that is latest
    stays so, because numbers cannot be compared with it.
    """
    if parse_version(new) is None or (current is not None and parse_version(current) is None):
        return current is None
    parsed = [v for n in {*names, new} if (v := parse_version(n)) is not None]
    pool = [v for v in parsed if not v.is_prerelease] or parsed
    top = max(v.key for v in pool)
    return any(v.name == new and v.key == top for v in pool)
