"""Which firmware modules a virtual device carries, as Device OS numbers them, per platform and release.

Data: ``sim/data/deviceos_modules.toml`` (generated from device-os's own system-versions.md and module makefiles,
``scripts/gen_sim_modules.py``) and ``sim/data/module_slots.toml`` (the HAL's module slots, hand-copied with
sources).  ``module_set(platform, version)`` answers, slot by slot in Device OS's enumeration order, which module
sits there (function, index, version, dependencies) or that the slot is empty.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from particle_diag import semver
from particle_diag.catalog.module_functions import ModuleDependency


@dataclass(frozen=True)
class RawLayout:
    """Where Device OS reads a module stored without its prefix (the Gen 3 SoftDevice): absolute addresses."""

    version_at: int  # u16 module version
    size_at: int  # u32 image size
    unique_at: int  # bytes reported in place of the SHA-256
    unique_size: int


@dataclass(frozen=True)
class Slot:
    function: str
    index: int
    store: str  # "main" | "factory"
    address: int | None  # None: not in the MCU's flash (external / NCP flash)
    max_size: int
    grows_down: bool = False
    verified: bool = True
    image_max: int | None = None  # the largest image that fits (where the slot bound is larger)
    raw: RawLayout | None = None  # stored without its module prefix (module_slots.toml `raw`)


@dataclass(frozen=True)
class Module:
    """What occupies one slot: ``version`` None means the slot is empty (erased flash)."""

    slot: Slot
    version: int | None
    dependencies: tuple[ModuleDependency, ...] = ()
    verified: bool = True

    @property
    def present(self) -> bool:
        return self.version is not None


@dataclass(frozen=True)
class Release:
    version: str
    system_module: int
    bootloader_module: int
    verified: bool  # False when the numbers are not in Device OS's own table (see module_slots.toml)


@cache
def _data() -> tuple[dict, dict]:
    files = resources.files("particle_diag.sim.data")
    generated = tomllib.loads(files.joinpath("deviceos_modules.toml").read_text())
    slots = tomllib.loads(files.joinpath("module_slots.toml").read_text())
    return generated, slots


@cache
def _releases() -> dict[str, Release]:
    generated, slots = _data()
    out: dict[str, Release] = {}
    bootloader = 0
    # system-versions.md lists a bootloader version only where it changed: carry it forward in table order.
    for version, (system, boot) in generated["release"].items():
        bootloader = boot if boot >= 0 else bootloader
        out[version] = Release(version, system, bootloader, True)
    for version, (system, boot) in slots.get("extra_release", {}).items():
        previous = _previous(out, version)
        out[version] = Release(version, system, boot if boot >= 0 else previous.bootloader_module, False)
    return out


def _previous(releases: dict[str, Release], version: str) -> Release:
    key = semver.parse(version)
    earlier = [r for v, r in releases.items() if semver.parse(v) <= key]
    if not earlier:
        return min(releases.values(), key=lambda r: semver.parse(r.version))
    return max(earlier, key=lambda r: semver.parse(r.version))


def release(version: str) -> Release:
    """The module numbers of a Device OS release.  A version Device OS's table does not list gets the
    ``major*1000 + minor*100 + patch`` numbering of recent releases and the previous release's bootloader,
    marked unverified."""
    releases = _releases()
    if version in releases:
        return releases[version]
    major, minor, patch, *_ = semver.parse(version)
    return Release(version, major * 1000 + minor * 100 + patch, _previous(releases, version).bootloader_module,
                   False)


def known_releases() -> tuple[str, ...]:
    return tuple(sorted(_releases(), key=semver.parse))


@cache
def group_of(platform_name: str) -> str | None:
    for group, names in _data()[1]["groups"].items():
        if platform_name in names:
            return group
    return None


def _in_era(row: dict, version: str) -> bool:
    key = semver.parse(version)
    return (("since" not in row or key >= semver.parse(row["since"]))
            and ("until" not in row or key < semver.parse(row["until"])))


def _parse_module(text: str) -> tuple[str, int, str, tuple[tuple[str, int, str], ...]]:
    """``"system_part/1=$system bootloader/0@3100"`` -> ("system_part", 1, "$system", (("bootloader", 0, "3100"),))."""
    head, *deps = text.split()
    name, version = head.split("=")
    function, index = name.split("/")
    parsed = []
    for dep in deps:
        dep_name, dep_version = dep.split("@")
        dep_function, dep_index = dep_name.split("/")
        parsed.append((dep_function, int(dep_index), dep_version))
    return function, int(index), version, tuple(parsed)


def _era_modules(group: str, version: str) -> tuple[list[str], bool]:
    """The era row in force for ``version`` (the last one at or before it); True when the version is older than
    every row (then the oldest row stands in, unverified)."""
    rows = [e for e in _data()[0]["era"] if e["group"] == group]
    key = semver.parse(version)
    earlier = [e for e in rows if semver.parse(e["since"]) <= key]
    if not earlier:
        return (min(rows, key=lambda e: semver.parse(e["since"]))["modules"] if rows else []), True
    return max(earlier, key=lambda e: semver.parse(e["since"]))["modules"], False


def _fixed_version(kind: str, version: str, group: str) -> tuple[int, bool]:
    by_group = _data()[1]["fixed_versions"][kind]
    rows = by_group.get(group) or by_group["all"]
    key = semver.parse(version)
    chosen = rows[0]
    for since, value, verified in rows:
        if semver.parse(since) <= key:
            chosen = (since, value, verified)
    return chosen[1], chosen[2]


def _bootloader_version(group: str, rel: Release) -> int:
    for row in _data()[1].get("bootloader_override", []):
        if group in row["groups"] and _in_era(row, rel.version):
            return row["version"]
    return rel.bootloader_module


def module_set(platform_name: str, version: str) -> tuple[Module, ...]:
    """Every slot Device OS enumerates on this platform at this release, in order, with what it holds."""
    group = group_of(platform_name)
    if group is None:
        return ()
    rel = release(version)
    values = {"$system": rel.system_module, "$bootloader": _bootloader_version(group, rel)}
    era, too_old = _era_modules(group, version)
    carried: dict[tuple[str, int], tuple[int, tuple[ModuleDependency, ...]]] = {}
    for text in era:
        function, index, raw, deps = _parse_module(text)
        carried[(function, index)] = (
            int(values.get(raw, raw)),
            tuple(ModuleDependency(f, i, int(values.get(v, v))) for f, i, v in deps),
        )
    out = []
    for row in _data()[1]["slot"]:
        if group not in row["groups"] or not _in_era(row, version):
            continue
        function, index = row["module"].split("/")
        raw = row.get("raw")
        slot = Slot(function, int(index), row.get("store", "main"), row.get("address"), row["max_size"],
                    row.get("grows_down", False), row.get("verified", True), row.get("image_max"),
                    RawLayout(**raw) if raw else None)
        verified = rel.verified and not too_old and slot.verified
        if slot.store != "main":
            out.append(Module(slot, None, verified=verified))  # no factory image on a virtual device
        elif (function, slot.index) in carried:
            module_version, deps = carried[(function, slot.index)]
            out.append(Module(slot, module_version, deps, verified))
        elif function in ("radio_stack", "ncp_firmware"):
            module_version, known = _fixed_version(function, version, group)
            out.append(Module(slot, module_version, (), verified and known))
        elif function in ("mono_firmware", "bootloader") and not carried:  # the Core: no era rows (UNVERIFIED)
            out.append(Module(slot, rel.system_module if function == "mono_firmware" else values["$bootloader"],
                              (), False))
        else:
            out.append(Module(slot, None, verified=verified))  # e.g. the empty 128 KB compat user slot
    return tuple(out)


def _slots_of(platform_name: str, function: str) -> tuple[Slot, ...]:
    """Every main-store slot of ``function`` the group has in any era (distinct addresses), in table order."""
    group = group_of(platform_name)
    found: dict[int, Slot] = {}
    for row in _data()[1]["slot"]:
        name, index = row["module"].split("/")
        if group in row["groups"] and name == function and row.get("store", "main") == "main" and "address" in row:
            found.setdefault(row["address"], Slot(function, int(index), "main", row["address"], row["max_size"]))
    return tuple(found.values())


@cache
def system_slots(platform_name: str) -> tuple[Slot, ...]:
    """Where a system part may sit on this platform in any era (Gen 3: 0x30000 before 6.2.0, 0x28000 since), for
    a bootloader looking for the system part to start."""
    return _slots_of(platform_name, "system_part")


@cache
def has_user_part(platform_name: str) -> bool:
    return bool(_slots_of(platform_name, "user_part"))


def version_of(system_module: int) -> str:
    """The Device OS release whose system module version this is: the newest final release with that number,
    else the newest pre-release; a number no release has reads as ``major*1000 + minor*100 + patch``
    (UNVERIFIED, as for ``release``)."""
    candidates = [v for v, r in _releases().items() if r.system_module == system_module]
    if candidates:
        return max(candidates, key=lambda v: (semver.parse(v)[3] == 9, semver.parse(v)))
    major, rest = divmod(system_module, 1000)
    minor, patch = divmod(rest, 100)
    return f"{major}.{minor}.{patch}"
