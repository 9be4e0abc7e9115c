"""The guided session's report for a support ticket: Markdown for people and the same record as JSON.

Both files are checked before the session starts (``check_report_paths``: an existing file is replaced only with
consent) and written atomically (files.write_atomic), so a report is whole or absent, never half-written.  What they
hold passes through the output redaction (transport/redact.py): the device secret never reaches a ticket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from particle_diag.files import check_output, write_atomic
from particle_diag.transport.redact import json_dumps, redact


def report_markdown(report: dict[str, Any]) -> str:
    """The session report as Markdown, to paste into or attach to a support ticket."""
    lines = ["# pdiag troubleshooting report", ""]
    lines.append(f"- pdiag {report.get('pdiag_version') or ''}".rstrip())
    if report.get("started_at"):
        lines.append(f"- Started: {report['started_at']}")
    dev = report.get("device")
    if dev:
        lines.append(f"- Device: {dev.get('device_id') or '?'} ({dev.get('platform') or 'unknown platform'}), "
                     f"mode {dev.get('mode')}, Device OS {dev.get('device_os') or 'unknown'}")
    elif report.get("platform"):
        lines.append(f"- Device: {report['platform']} (not attached)")
    lines += ["", "## The status LED", ""]
    lines.append(f"- Described as: {report.get('description') or '(no description)'}")
    for q in report.get("follow_ups", []):
        lines.append(f"- Asked \"{q['question']}\": {q['answer']}")
    for look in report.get("looks", []):
        verdict = "yes" if look["looks_right"] else "no"
        lines.append(f"- Shown \"{look['led']}\" ({look['state_id']}): looks right? {verdict}")
    st = report.get("state")
    lines += ["", "## Diagnosis", ""]
    if st:
        lines += [f"**{st['title']}** (`{st['id']}`)", "", st["meaning"], "", "### Steps", ""]
        for i, s in enumerate(st["steps"], 1):
            lines.append(f"{i}. {s['text']}")
            lines += [f"   - `{c}`" for c in s.get("commands", [])]
        lines.append("")
        lines.append(f"Steps read in the session: {report.get('steps_shown', 0)} of {len(st['steps'])}.")
    else:
        lines.append("No LED state was confirmed.")
    if report.get("actions"):
        lines += ["", "## Actions run", ""]
        for a in report["actions"]:
            lines.append(f"- `{a['command']}`: {'ok' if a['ok'] else 'FAILED'}")
            lines += [f"  - {o}" for o in a["output"]]
    for key, title in (("findings_before", "Device check at the start"), ("findings_after", "Device re-check")):
        value = report.get(key)
        if not value:
            continue
        findings = value["findings"] if isinstance(value, dict) else value
        lines += ["", f"## {title}", ""]
        if isinstance(value, dict):
            lines += [value["summary"], ""]
        for f in findings:
            lines.append(f"{f['rank']}. [{f['severity']}] {f['title']}")
            lines += [f"   - {e}" for e in f["evidence"]]
    return "\n".join(lines).rstrip() + "\n"


def report_paths(path: str | Path) -> tuple[Path, Path]:
    """``PATH`` as the Markdown file (``.md`` added unless given; a ``.json`` path names its pair) and the JSON
    file beside it."""
    md = Path(path)
    if md.suffix.lower() == ".json":
        md = md.with_suffix(".md")
    elif md.suffix.lower() != ".md":
        md = md.with_name(md.name + ".md")
    return md, md.with_suffix(".json")


def check_report_paths(path: str | Path, *, overwrite: bool = False) -> tuple[Path, Path]:
    """Before the session: both files can be written, and neither exists unless ``overwrite`` (consent)."""
    md, js = report_paths(path)
    return (check_output(md, overwrite=overwrite, what="report"),
            check_output(js, overwrite=overwrite, what="report"))


def save_report(report: dict[str, Any], path: str | Path, *, overwrite: bool = False) -> tuple[str, str]:
    """Write the report as Markdown at ``path`` and as JSON beside it; returns both paths."""
    md, js = check_report_paths(path, overwrite=overwrite)
    write_atomic(md, redact(report_markdown(report)), overwrite=overwrite, what="report")
    write_atomic(js, json_dumps(report, indent=2) + "\n", overwrite=overwrite, what="report")  # strict JSON
    return str(md), str(js)
