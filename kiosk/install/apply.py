"""Carry out an install plan on / (as root) or under a staging root (--root DIR, like
DESTDIR: files only, no users, no ownership). Every step is idempotent and says what it
did, or with --dry-run what it would do."""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.install.layout import File, Folder, Step, User


@dataclass(frozen=True)
class Target:
    root: Path
    dry_run: bool = False

    @property
    def real(self) -> bool:
        """Installing on this machine itself: users are made and files owned by them."""
        return self.root == Path("/")

    def path(self, target: object) -> Path:
        return self.root / str(target).lstrip("/")


def apply(steps: list[Step], target: Target, say: Callable[[str], None]) -> None:
    for step in steps:
        if isinstance(step, User):
            say(_user(step, target))
        elif isinstance(step, Folder):
            say(_folder(step, target))
        else:
            say(_file(step, target))


def _user(user: User, target: Target) -> str:
    if not target.real:
        return (f"skipped system user {user.name} (home {user.home}, groups "
                f"{','.join(user.groups) or '-'}): --root lays out files only")
    groups = [g for g in user.groups if _group_exists(g)]
    try:
        existing = pwd.getpwnam(user.name)
    except KeyError:
        existing = None
    if existing is None:
        if target.dry_run:
            return f"would create system user {user.name} (groups {','.join(groups) or '-'})"
        command = ["useradd", "--system", "--user-group", "--home-dir", str(user.home),
                   "--no-create-home", "--shell", "/usr/sbin/nologin",
                   "--comment", user.comment]
        if groups:
            command += ["--groups", ",".join(groups)]
        subprocess.run([*command, user.name], check=True)
        return f"created system user {user.name} (groups {','.join(groups) or '-'})"
    member_of = {g.gr_name for g in grp.getgrall() if user.name in g.gr_mem}
    missing = [g for g in groups if g not in member_of]
    if not missing:
        return f"user {user.name} exists"
    if target.dry_run:
        return f"would add user {user.name} to {','.join(missing)}"
    subprocess.run(["usermod", "--append", "--groups", ",".join(missing), user.name],
                   check=True)
    return f"added user {user.name} to {','.join(missing)}"


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _folder(folder: Folder, target: Target) -> str:
    path = target.path(folder.path)
    described = f"{folder.path} ({folder.mode:04o}, {_owner_text(folder.owner, target)})"
    if path.is_dir():
        if _mode(path) == folder.mode and _owned(path, folder.owner, folder.owner, target):
            return f"unchanged {described}"
        if target.dry_run:
            return f"would set {described}"
        _set_owner_and_mode(path, folder.owner, folder.owner, folder.mode, target)
        return f"set {described}"
    if target.dry_run:
        return f"would create {described}"
    path.mkdir(parents=True, exist_ok=True)
    _set_owner_and_mode(path, folder.owner, folder.owner, folder.mode, target)
    return f"created {described}"


def _file(file: File, target: Target) -> str:
    path = target.path(file.path)
    source = f", from {file.source}" if file.source else ""
    described = f"{file.path} ({file.mode:04o}{source})"
    if path.exists():
        if file.keep_existing:
            return f"kept {file.path} (the site's own: never overwritten)"
        if path.read_text(encoding="utf-8") == file.text and _mode(path) == file.mode:
            return f"unchanged {file.path}"
        verb = "update"
    else:
        verb = "create"
    if target.dry_run:
        return f"would {verb} {described}"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: a unit or script is never seen half-written, and its
    # mode is right from the first byte (a 0600 env file never readable by others).
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file.mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(file.text)
    _set_owner_and_mode(partial, file.owner, file.group, file.mode, target)
    partial.replace(path)
    return f"{verb}d {described}"


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def _owner_text(owner: str, target: Target) -> str:
    return f"owner {owner}" if target.real else f"owner {owner} once installed on /"


def _owned(path: Path, owner: str, group: str, target: Target) -> bool:
    if not target.real:
        return True
    try:
        wanted = _ids(owner, group)
    except KeyError:  # the user is made by this very install (a dry run before it)
        return False
    stat = path.stat()
    return (stat.st_uid, stat.st_gid) == wanted


def _ids(owner: str, group: str) -> tuple[int, int]:
    return pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid


def _set_owner_and_mode(path: Path, owner: str, group: str, mode: int, target: Target) -> None:
    if target.real:
        os.chown(path, *_ids(owner, group))
    path.chmod(mode)
