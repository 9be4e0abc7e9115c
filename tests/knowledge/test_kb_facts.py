"""Facts a support engineer would check, exactly as the document states them."""

from __future__ import annotations

from particle_diag.rules.sos import lookup


def _text(kb, state_id, device=None) -> str:
    steps = kb.steps_for(state_id, device)
    return " ".join([s.text + " " + " ".join(s.commands) for s in steps])


def test_sos_codes_match_the_document(kb):
    names = {c.code: c.name for c in kb.sos_codes}
    assert names == {
        1: "Hard fault", 2: "Non-maskable interrupt fault", 3: "Memory Manager fault", 4: "Bus fault",
        5: "Usage fault", 6: "Invalid length", 7: "Exit", 8: "Out of heap memory", 9: "SPI over-run",
        10: "Assertion failure", 11: "Invalid case", 12: "Pure virtual call", 13: "Stack overflow",
        14: "Heap error", 15: "Security fault",
    }  # fmt: skip
    assert [c.code for c in kb.sos_codes if c.in_document] == list(range(1, 15))


def test_hard_fault_causes(kb):
    causes = " ".join(lookup(1, kb).causes)
    assert "pointer" in causes and "freeing the same block twice" in causes and "Wire.begin()" in causes


def test_stack_sizes_and_heap_error_versions(kb):
    assert "6144 bytes" in " ".join(lookup(13, kb).causes) and "1024 bytes" in " ".join(lookup(13, kb).causes)
    heap = " ".join(lookup(14, kb).causes)
    assert "0.8.0" in heap and "60 seconds" in heap and "1.2.0" in heap
    isr = _text(kb, "sos-heap-error")
    for word in (
        "attachInterrupt",
        "button_final_click",
        "SparkIntervalTimer",
        "pinSetFast",
        "pinResetFast",
        "analogRead",
        "strdup",
        "%f",
    ):
        assert word in isr


def test_exit_is_abort(kb):
    assert "abort()" in " ".join(lookup(7, kb).causes)


def test_device_doctor_only_on_photon_and_electron(kb):
    assert "particle device doctor" in _text(kb, "sos-out-of-heap", "photon")
    assert "particle device doctor" in _text(kb, "sos-out-of-heap", "electron")
    assert "particle device doctor" not in _text(kb, "sos-out-of-heap", "boron")


def test_wifi_is_2_4_ghz_only_and_photon_specific_caveats(kb):
    argon = _text(kb, "looking-for-internet", "argon")
    photon = _text(kb, "looking-for-internet", "photon")
    assert "2.4 GHz only" in argon and "5 GHz" in argon
    assert "WPA2 Enterprise" in photon and "WPA2 Enterprise" not in argon
    assert "802.11n" in photon and "0.7.0" in photon
    assert "particle serial mac" in argon
    assert "DHCP" in argon
    assert "2.4 GHz" not in _text(kb, "looking-for-internet", "boron")


def test_cellular_checks_include_the_data_limit_and_band_table(kb):
    boron = _text(kb, "looking-for-internet", "boron")
    assert "data limit" in boron and "https://console.particle.io/billing" in boron
    assert "5 minutes" in boron
    assert "https://setup.particle.io" in boron and "https://status.particle.io/" in boron
    assert "bands 2, 4 and 12" in boron and "2, 3, 4, 5, 8, 12, 13, 20 and 28" in boron
    assert "850/900/1800/1900/2100" in boron and "ICCID" in boron
    assert "data limit" not in _text(kb, "looking-for-internet", "argon")


def test_electron_listening_mode_is_about_the_sim(kb):
    electron = _text(kb, "listening-mode", "electron")
    assert "loose SIM" in electron and "tweezers" in electron
    boron = _text(kb, "listening-mode", "boron")
    assert "particle usb setup-done" in boron and "loose SIM" not in boron
    assert "three seconds" in boron and "particle usb start-listening" in boron


def test_safe_and_dfu_mode_button_sequences(kb):
    safe = _text(kb, "safe-mode", "argon")
    assert "hold both RESET and MODE; let go of RESET only; keep holding MODE until the LED blinks magenta" in safe
    assert "particle usb safe-mode" in safe
    dfu = _text(kb, "dfu-mode", "argon")
    assert "blinks magenta and until it blinks yellow" in dfu and "particle usb dfu" in dfu
    assert "USB 2 port" in dfu
    assert "RST" in _text(kb, "dfu-mode", "core")


def test_gen2_firmware_reset(kb):
    electron = kb.state("firmware-reset-electron")
    text = _text(kb, "firmware-reset-electron", "electron")
    assert "0.6.0" in electron.meaning and "0x080A0000" in electron.meaning and "0x08080000" in electron.meaning
    assert "particle flash --factory user-backup-firmware.bin" in text
    assert (
        "hold both RESET and MODE; let go of RESET only; keep holding MODE as the LED blinks magenta, then "
        "yellow, until it blinks green or white" in text
    )
    photon = _text(kb, "firmware-reset-photon", "photon")
    assert "particle flash --usb tinker" in photon
    assert kb.state("firmware-reset-photon").signature is None


def test_gen3_firmware_and_factory_reset(kb):
    gen3 = kb.state("firmware-reset-gen3")
    assert "0x80200000" in gen3.meaning and "0x000D4000" in gen3.meaning
    argon = _text(kb, "firmware-reset-gen3", "argon")
    assert "dfu-util -d 2b04:d00c -a 2 -s 0x80200000 -D tinker-0.8.0-rc.25-argon.bin" in argon
    assert "2b04:d00e Xenon" in argon
    assert "magenta (safe mode), then yellow (DFU mode), and let go as soon as it blinks yellow fast" in argon
    factory = _text(kb, "factory-reset-gen3", "boron")
    assert "let go when it blinks white fast" in factory
    for fact in ("1.5.2", "APN", "internal SIM", "Wi-Fi credentials", "Ethernet", "setup complete"):
        assert fact in factory
    colours = [(s.color, s.on_ms) for s in kb.state("factory-reset-gen3").signature.steps]
    assert colours == [
        ("magenta", None),
        ("yellow", None),
        ("yellow", 50),
        ("white", 50),
        ("magenta", 50),
        ("blue", None),
    ]
    assert not kb.states_for("tracker-som") or "factory-reset-gen3" not in {s.id for s in kb.states_for("tracker-som")}


def test_network_reset_is_ten_more_seconds(kb):
    text = _text(kb, "network-reset", "boron")
    assert "about ten seconds more" in text and "APN and SIM selection" in text


def test_power_up_blink_counts(kb):
    cell = [(s.action, s.color, s.times) for s in kb.state("power-up-cellular").signature.steps]
    wifi = [(s.action, s.color, s.times) for s in kb.state("power-up").signature.steps]
    assert ("blink", "green", 16) in cell and ("blink", "green", 8) in wifi
    assert ("blink", "cyan", 8) in cell and ("breathe", "cyan", 3) in cell


def test_cloud_error_blinks(kb):
    meanings = {
        "cloud-error-orange-1": "decryption error",
        "cloud-error-orange-2": "could not reach the Internet",
        "cloud-error-orange-3": "bad server keys",
        "cloud-error-magenta-1": "authentication",
        "cloud-error-red-1": "generic handshake error",
    }
    for sid, words in meanings.items():
        assert words in kb.state(sid).meaning
    keys = _text(kb, "cloud-error-red-1", "photon")
    assert keys.index("particle identify") < keys.index("particle keys server") < keys.index("particle keys doctor")
    assert "OpenSSL-Win32" in _text(kb, "cloud-error-orange-1", "photon")
    assert kb.state("cloud-error-orange-3").signature.alt_colors == ("yellow", "red")


def test_cloud_not_connected_steps(kb):
    text = _text(kb, "cloud-not-connected", "argon")
    for fact in (
        "Particle.process()",
        "SYSTEM_THREAD(ENABLED);",
        "waitUntil(Particle.connected);",
        "about 10 seconds",
        "breathing magenta",
        "SEMI_AUTOMATIC",
    ):
        assert fact in text
    assert "SEMI_AUTOMATIC" not in _text(kb, "cloud-not-connected", "boron")  # the Wi-Fi-only side note


def test_tracker_scheme(kb):
    ids = {s.id for s in kb.states_for("tracker-som")}
    assert {"tracker-connecting-cellular", "tracker-connected-weak", "tracker-connected-strong"} <= ids
    assert not any(s.startswith("tracker-") for s in {s.id for s in kb.states_for("boron")})
    assert kb.state("tracker-connecting-cellular").signature.period_ms == 500
    assert "70 %" in kb.state("tracker-connected-weak").meaning


def test_no_status_led_differs_by_generation(kb):
    assert "D7" in _text(kb, "no-status-led", "photon")
    assert "D7" not in _text(kb, "no-status-led", "argon")
    assert "SETUP" in _text(kb, "no-status-led", "argon")
    assert "JTAG/SWD" in _text(kb, "no-status-led", "argon")
