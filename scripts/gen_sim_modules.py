"""Regenerate particle_diag/sim/data/deviceos_modules.toml from a git clone of particle-iot/device-os.

    python scripts/gen_sim_modules.py /path/to/device-os > particle_diag/sim/data/deviceos_modules.toml

What it reads (all public, https://github.com/particle-iot/device-os):
* ``system/system-versions.md`` at the clone's HEAD: every release with its system and bootloader module versions.
* For each release that has a ``v<release>`` tag: ``modules/shared/system_module_version.mk``, evaluated with
  ``make`` for one representative platform ID per group (the makefile's own ifeq chains decide the dependencies),
  and ``modules/shared/stm32f2xx/part2_build.mk`` / ``modules/shared/nRF52840/part1_build.mk`` for the
  dependencies those makefiles hard-code.

It prints eras: a group's module list changes only when a release changes it; ``$system`` / ``$user`` stand for
the release's own system / user module version.  Needs ``git`` and GNU ``make``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

FUNCTIONS = {"2": "bootloader", "4": "system_part", "5": "user_part", "7": "ncp_firmware", "8": "radio_stack"}
# group -> (representative PLATFORM_ID, PLATFORM_GEN as device-os's makefiles see it, PLATFORM_MCU)
GROUPS = {
    "photon": (6, 2, "STM32F2xx"), "electron": (10, 2, "STM32F2xx"), "nrf52840": (13, 3, "nRF52840"),
    "argon": (12, 3, "nRF52840"), "b5som": (25, 3, "nRF52840"), "tracker": (26, 3, "nRF52840"),
    "rtl872x": (32, 3, "rtl872x"),
}
# A tag builds a group only if it has that group's modules/ directory (Gen 3 1.0.x came from another branch).
GROUP_DIRS = {"photon": ("photon",), "electron": ("electron",), "nrf52840": ("boron",), "argon": ("argon",),
              "b5som": ("b5som",), "tracker": ("tracker",), "rtl872x": ("tron", "p2")}
PRINT_MK = """MODULE_FUNCTION_BOOTLOADER=2
MODULE_FUNCTION_SYSTEM_PART=4
MODULE_FUNCTION_USER_PART=5
MODULE_FUNCTION_NCP_FIRMWARE=7
MODULE_FUNCTION_RADIO_STACK=8
include $(VFILE)
all:
\t@echo "$(BOOTLOADER_DEPENDENCY)|$(SOFTDEVICE_DEPENDENCY)|$(USER_PART_MODULE_VERSION)|\
$(SYSTEM_PART1_MODULE_DEPENDENCY)|$(SYSTEM_PART1_MODULE_DEPENDENCY2)|$(SYSTEM_PART3_MODULE_DEPENDENCY)|$(BOOTLOADER_MODULE_DEPENDENCY)|\
$(PREBOOTLOADER_MBR_VERSION)|$(PREBOOTLOADER_PART1_VERSION)"
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True).stdout


def releases(repo: Path) -> list[tuple[str, int, int | None]]:
    out = []
    for line in git(repo, "show", "HEAD:system/system-versions.md").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"\d+", cells[1]) and re.fullmatch(r"\d+\.\d+\.\d+\S*", cells[2]):
            out.append((cells[2], int(cells[1]), int(cells[0]) if cells[0].isdigit() else None))
    return out


def dep(text: str) -> str | None:
    parts = text.strip().split(",")
    if len(parts) != 3 or parts[0] not in FUNCTIONS or not parts[2].strip():
        return None
    return f"{FUNCTIONS[parts[0]]}/{parts[1]}@{parts[2]}"


def modules(group: str, release: str, bootloader: int | None, values: list[str],
            part2_mk: str, part1_mk: str) -> list[str] | None:
    bldep, sd, _user, p1dep, p1dep2, p3dep, bldepmod, mbr, pb1 = values
    gen3_user_index = 2 if _key(release) >= _key("3.1.0") else 1

    def module(name: str, version: object, *deps: str | None) -> str:
        return f"{name}={version}" + "".join(f" {d}" for d in deps if d)

    bl = module("bootloader/0", "$bootloader", dep(bldepmod))
    if group in ("photon", "electron"):
        if "BOOTLOADER_DEPENDENCY" in part2_mk:
            p2_boot = f"bootloader/0@{bldep}" if bldep and bldep != "0" else None
        elif "BOOTLOADER_VERSION" in part2_mk and bootloader is not None:
            p2_boot = "bootloader/0@$bootloader"
        else:
            p2_boot = None
        p2 = module("system_part/2", "$system", "system_part/1@$system", p2_boot)
        user_part = module("user_part/1", "$user", "system_part/2@$system")
        if group == "photon":
            return [bl, module("system_part/1", "$system", dep(p1dep)), p2, user_part]
        return [bl, module("system_part/1", "$system", "system_part/3@$system"), p2,
                module("system_part/3", "$system", dep(p3dep)), user_part]
    if group == "rtl872x":
        if not mbr:
            return None  # before the 5.x prebootloader variables: not a release the sim models
        return [bl, module("bootloader/1", mbr), module("bootloader/2", pb1),
                module("system_part/1", "$system", dep(p1dep), dep(p1dep2)),
                module("user_part/1", "$user", "system_part/1@$system")]
    if p1dep or p1dep2:
        system_deps = [dep(p1dep), dep(p1dep2)]
    else:  # the dependencies part1_build.mk hard-codes
        system_deps = [f"bootloader/0@{bldep}" if "BOOTLOADER_DEPENDENCY" in part1_mk and bldep else None,
                       f"radio_stack/0@{sd}" if "SOFTDEVICE_DEPENDENCY" in part1_mk and sd else None]
    return [bl, module("system_part/1", "$system", *system_deps),
            module(f"user_part/{gen3_user_index}", "$user", "system_part/1@$system")]


def _key(version: str) -> tuple:
    m = re.match(r"(\d+)\.(\d+)\.(\d+)(?:-([a-z0-9]+)\.(\d+))?", version)
    assert m, version
    rank = {"alpha": 0, "beta": 1, "rc": 2}.get(m[4] or "", 3 if m[4] else 9)
    return int(m[1]), int(m[2]), int(m[3]), rank, int(m[5] or 0)


def main(repo: Path) -> None:
    rows = releases(repo)
    print(f"# Generated by scripts/gen_sim_modules.py from particle-iot/device-os {git(repo, 'rev-parse', 'HEAD')[:10]}"
          " (see the script for what it reads).")
    print("[release]  # version = [system module version, bootloader module version]  (system/system-versions.md)")
    for version, system, bootloader in rows:
        print(f'"{version}" = [{system}, {bootloader if bootloader is not None else -1}]')
    last: dict[str, list[str]] = {}
    eras: list[tuple[str, str, list[str]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        print_mk, version_mk = Path(tmp, "print.mk"), Path(tmp, "v.mk")
        print_mk.write_text(PRINT_MK)
        for version, _system, bootloader in sorted(rows, key=lambda r: _key(r[0])):
            tag = f"v{version}"
            if not git(repo, "tag", "-l", tag).strip():
                continue
            text = git(repo, "show", f"{tag}:modules/shared/system_module_version.mk")
            if not text:
                continue
            version_mk.write_text(text)
            part2_mk = git(repo, "show", f"{tag}:modules/shared/stm32f2xx/part2_build.mk")
            part1_mk = git(repo, "show", f"{tag}:modules/shared/nRF52840/part1_build.mk")
            dirs = set(git(repo, "ls-tree", "--name-only", tag, "modules/").split())
            for group, (pid, gen, mcu) in GROUPS.items():
                if not any(f"modules/{d}" in dirs for d in GROUP_DIRS[group]):
                    continue
                out = subprocess.run(["make", "-s", "-f", str(print_mk), f"VFILE={version_mk}", f"PLATFORM_ID={pid}",
                                      f"PLATFORM_GEN={gen}", f"PLATFORM_MCU={mcu}"], capture_output=True, text=True)
                values = out.stdout.strip().split("|")
                if len(values) != 9:
                    continue
                mods = modules(group, version, bootloader, values, part2_mk, part1_mk)
                if mods is None:
                    continue
                user = values[2] or "?"
                mods = [m.replace("=$user", f"={user}") for m in mods]
                if last.get(group) != mods:
                    eras.append((group, version, mods))
                    last[group] = mods
    for group, since, mods in eras:
        listing = ", ".join(f'"{m}"' for m in mods)
        print(f'\n[[era]]\ngroup = "{group}"\nsince = "{since}"\nmodules = [{listing}]')


if __name__ == "__main__":
    main(Path(sys.argv[1]))
