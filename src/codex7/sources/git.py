"""Shallow clones of git repositories at a ref, cached under the data directory."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from codex7.errors import SourceError

FORGES = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")


@dataclass(frozen=True)
class Checkout:
    root: Path
    url: str
    ref: str | None
    commit: str
    web_base: str | None


def expand_spec(spec: str) -> str:
    """`github:org/repo` → https URL; a local path → absolute path."""
    for prefix, host in (("github:", "github.com"), ("gitlab:", "gitlab.com")):
        if spec.startswith(prefix):
            return f"https://{host}/{spec[len(prefix) :].strip('/').removesuffix('.git')}.git"
    if re.match(r"^(https?|ssh|file)://|^git@", spec):
        return spec
    return str(Path(spec).expanduser().resolve())


def web_base(url: str, commit: str) -> str | None:
    m = re.match(r"^(?:https?://|ssh://git@|git@)([^/:]+)[/:]([^/]+)/([^/]+?)(?:\.git)?/?$", url)
    if not m or m[1] not in FORGES:
        return None
    host, org, repo = m[1], m[2], m[3]
    path = "-/blob" if host == "gitlab.com" else ("src" if host == "bitbucket.org" else "blob")
    return f"https://{host}/{org}/{repo}/{path}/{commit}"


def _git(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        raise subprocess.CalledProcessError(
            proc.returncode, args, proc.stdout, lines[-1] if lines else ""
        )
    return proc.stdout.strip()


@dataclass(frozen=True)
class RemoteRefs:
    """A repository's default branch, HEAD commit, branches and tags (annotated tags peeled)."""

    default_branch: str | None
    head: str | None
    branches: dict[str, str]
    tags: dict[str, str]


def parse_ls_remote(listing: str) -> RemoteRefs:
    """Read `git ls-remote --symref URL HEAD refs/heads/* refs/tags/*` output."""
    default_branch = head = None
    branches: dict[str, str] = {}
    tags: dict[str, str] = {}
    for line in listing.splitlines():
        left, _, name = line.partition("\t")
        if left.startswith("ref: refs/heads/") and name == "HEAD":
            default_branch = left.removeprefix("ref: refs/heads/")
        elif name == "HEAD":
            head = left
        elif name.startswith("refs/heads/"):
            branches[name.removeprefix("refs/heads/")] = left
        elif name.startswith("refs/tags/"):
            tag = name.removeprefix("refs/tags/")
            if tag.endswith("^{}") or tag not in tags:  # the peeled commit wins
                tags[tag.removesuffix("^{}")] = left
    return RemoteRefs(default_branch, head, branches, tags)


def remote_refs(spec: str) -> RemoteRefs:
    """The refs of the repository at `spec`, without fetching any objects."""
    url = expand_spec(spec)
    try:
        listing = _git(
            ["ls-remote", "--symref", url, "HEAD", "refs/heads/*", "refs/tags/*"], Path.cwd()
        )
    except subprocess.CalledProcessError as exc:
        raise SourceError(f"Could not list the refs of {spec}: {exc.stderr or exc}") from None
    except FileNotFoundError:
        raise SourceError("git is not installed; install git to index repositories") from None
    return parse_ls_remote(listing)


def _best_tag(tags: list[str]) -> str:
    """Of several tags on one commit, one that looks like a version (v2.1.0 before `stable`)."""
    return min(tags, key=lambda t: (not any(ch.isdigit() for ch in t), t))


def ref_version_name(refs: RemoteRefs, ref: str | None, spec: str) -> str:
    """A version name for `ref` (None: the default branch): the tag if it is one, else a tag on
    its commit, else the branch name, else the short commit."""
    name = ref.removeprefix("refs/tags/").removeprefix("refs/heads/") if ref else None
    if name is not None and name in refs.tags:
        return name
    if name is None:
        commit, branch = refs.head, refs.default_branch
    elif name in refs.branches:
        commit, branch = refs.branches[name], name
    elif re.fullmatch(r"[0-9a-f]{7,40}", name):
        commit, branch = name, None
    else:
        raise SourceError(f"Ref {ref!r} not found in {spec}")
    tagged = [t for t, c in refs.tags.items() if commit and c.startswith(commit)]
    if tagged:
        return _best_tag(tagged)
    if branch:
        return branch
    if commit:
        return commit[:7]
    raise SourceError(f"{spec} has no commits to index")


def version_name(spec: str, ref: str | None) -> str:
    """What to call the version indexed from `spec` at `ref` when no --version is given."""
    return ref_version_name(remote_refs(spec), ref, spec)


def checkout(spec: str, ref: str | None, cache_dir: Path) -> Checkout:
    """Fetch `ref` (branch, tag or commit; default branch if None) and check it out, detached."""
    url = expand_spec(spec)
    if "://" not in url and not url.startswith("git@") and not (Path(url) / ".git").exists():
        if not Path(url).exists():
            raise SourceError(f"Source {spec!r} does not exist")
    root = cache_dir / hashlib.sha256(url.encode()).hexdigest()[:16]
    root.mkdir(parents=True, exist_ok=True)
    try:
        if not (root / ".git").exists():
            _git(["init", "-q"], root)
            _git(["remote", "add", "origin", url], root)
        want = ref or "HEAD"
        target = "FETCH_HEAD"
        try:
            _git(["fetch", "-q", "--depth", "1", "--no-tags", "origin", want], root)
        except subprocess.CalledProcessError as first:
            if ref is None or not re.fullmatch(r"[0-9a-f]{7,40}", ref):
                reason = first.stderr or "fetch failed"
                if "couldn't find remote ref" in reason or "not our ref" in reason:
                    raise SourceError(f"Ref {ref!r} not found in {spec}") from None
                raise SourceError(f"Could not fetch {want} from {spec}: {reason}") from None
            # An abbreviated or unadvertised commit: fetch history, then resolve it locally.
            _git(["fetch", "-q", "--tags", "origin"], root)
            target = ref
        _git(["checkout", "-q", "--force", "--detach", target], root)
        commit = _git(["rev-parse", "HEAD"], root)
    except subprocess.CalledProcessError as exc:
        raise SourceError(
            f"git failed for {spec} at {ref or 'HEAD'}: {exc.stderr or exc}"
        ) from None
    except FileNotFoundError:
        raise SourceError("git is not installed; install git to index repositories") from None
    return Checkout(root=root, url=url, ref=ref, commit=commit, web_base=web_base(url, commit))
