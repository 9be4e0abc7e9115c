"""Loading and validating the knowledge files."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from particle_diag.catalog.platforms import all_platforms
from particle_diag.errors import NotFoundError, UsageError
from particle_diag.knowledge import KnowledgeError, load, load_from


def test_load_is_cached_and_complete(kb):
    assert load() is kb
    assert len(kb.states) >= 50
    assert [c.code for c in kb.sos_codes] == list(range(1, 16))
    assert len(kb.rules) >= 20
    assert len({s.id for s in kb.states}) == len(kb.states)


def test_every_platform_and_alias_maps_to_a_knowledge_device(kb):
    for p in all_platforms():
        assert kb.device(p.name).platforms, p.name
        for alias in p.aliases:
            assert kb.device(alias) is kb.device(p.name)
    assert kb.device("photon2").id == "p2"
    assert kb.device("muon").id == "msom"
    assert kb.device("tracker-som").id == "tracker-som"
    assert kb.device("tracker").id == "tracker-som"
    assert kb.device("Tracker SoM").id == "tracker-som"
    assert kb.device("13").id == "boron"  # numeric platform ID through the platform table
    with pytest.raises(UsageError):
        kb.device("toaster")


def test_helpers_of_the_document_are_applied_per_device(kb):
    assert kb.device("argon").network_type == "Wi-Fi"  # Wi-Fi wins over mesh
    assert kb.device("boron").network_type == "cellular"
    assert kb.device("xenon").network_type == "mesh"
    assert kb.device("core").reset_button == "RST"
    assert kb.device("photon").reset_button == "RESET"
    assert {d.system_button for d in kb.devices} == {"MODE"}
    assert kb.device("electron").a_device == "an Electron"
    assert kb.device("argon").dfu_id == "2b04:d00c"


def test_steps_for_fills_placeholders_per_device(kb):
    core = " ".join(s.text for s in kb.steps_for("safe-mode", "core"))
    assert "RST" in core and "{reset_button}" not in core
    boron = kb.steps_for("firmware-reset-gen3", "boron")
    assert any(
        "dfu-util -d 2b04:d00d -a 2 -s 0x80200000 -D tinker-0.8.0-rc.25-boron.bin" in c
        for s in boron
        for c in s.commands
    )
    for state in kb.states:
        for device in kb.devices_for(state):
            for step in kb.steps_for(state.id, device):
                assert "{" not in step.text.replace("{ ", ""), (state.id, device.id, step.text)


def test_steps_without_device_say_who_a_conditional_step_is_for(kb):
    steps = kb.steps_for("listening-mode")
    electron_only = [s for s in steps if s.only_for == ("electron",)]
    assert electron_only and "SIM" in electron_only[0].text
    assert any(not s.only_for for s in steps)


def test_every_state_has_steps_and_every_action_is_declared(kb):
    for state in kb.states:
        assert state.steps, state.id
        for action in state.actions:
            assert action in kb.actions
    for rule in kb.rules:
        assert rule.state or rule.steps


def test_unknown_state_is_not_found(kb):
    with pytest.raises(NotFoundError):
        kb.state("no-such-state")


# -- validation -------------------------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    src = Path(str(resources.files("particle_diag.knowledge")))
    dst = tmp_path / "knowledge"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_copy_of_the_files_loads(copy):
    assert len(load_from(copy).states) == len(load().states)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "states/20-standard.toml",
            'applies_to = { if = ["has-cellular"] }',
            'applies_to = { if = ["has-5g"] }',
            "unknown flag",
        ),
        (
            "states/20-standard.toml",
            'signature = { colors = ["cyan"], pattern = "breathe" }',
            'signature = { colors = ["chartreuse"], pattern = "breathe" }',
            "unknown colour",
        ),
        (
            "states/20-standard.toml",
            'signature = { colors = ["cyan"], pattern = "breathe" }',
            'signature = { colors = ["cyan"], pattern = "wobble" }',
            "unknown pattern",
        ),
        ("states/20-standard.toml", 'id = "connected"', 'id = "power-up"', "duplicate state id"),
        ("rules/10-device.toml", 'state = "dfu-mode"', 'state = "dfu-mod"', "unknown state"),
        ("rules/10-device.toml", 'when = { mode = "dfu" }', 'when = { moon = "full" }', "unknown predicate"),
        (
            "states/20-standard.toml",
            'action = "pdiag enter dfu"',
            'action = "pdiag teleport"',
            "unknown pdiag action",
        ),
        (
            "states/20-standard.toml",
            'Nothing is wrong: this is how a healthy {device} starts."',
            'Hold {mode_button}."',
            "unknown placeholder",
        ),
        (
            "devices.toml",
            'flags = ["has-wifi", "has-stm32", "has-device-doctor"',
            'flags = ["has-wifi", "has-stm33", "has-device-doctor"',
            "unknown flag",
        ),
        ("sos.toml", "code = 2\n", "code = 1\n", "duplicate code"),
    ],
)
def test_invalid_files_raise_a_clear_knowledge_error(copy, file, old, new, message):
    _edit(copy / file, old, new)
    with pytest.raises(KnowledgeError) as info:
        load_from(copy)
    assert message in info.value.message
    assert info.value.reference == "knowledge.invalid"
    assert file.split("/")[-1] in info.value.message or "devices.toml" in info.value.message


def test_a_state_without_steps_is_rejected(copy):
    path = copy / "states" / "40-troubleshooting.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[[state.step]]", text.index('id = "nyan"'))
    end = text.index("[[state]]", start)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(KnowledgeError, match="missing steps"):
        load_from(copy)


def test_actions_are_commands_of_the_cli(kb):
    pytest.importorskip("typer")
    from particle_diag.cli.app import COMMANDS

    for command in kb.actions:
        assert command.split()[1] in COMMANDS, command
