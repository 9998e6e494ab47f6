"""Every string a user can see has its Vietnamese translation."""

import re
import shutil
from pathlib import Path

from django.core.management import call_command

SOURCE = Path(__file__).resolve().parents[2] / "src" / "phananh"


def _untranslated(po_text: str) -> list[str]:
    """msgids whose msgstr is empty or marked fuzzy, from a .po file's text."""
    missing = []
    for block in po_text.split("\n\n"):
        if "msgid" not in block:
            continue
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0].split("msgid", 1)[1]))
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1]))
        if msgid and (not msgstr or "#, fuzzy" in block):
            missing.append(msgid)
    return missing


def test_every_string_in_the_code_has_a_vietnamese_translation(tmp_path, monkeypatch):
    # Extract the strings afresh from a copy of the code, merged with the committed catalogue:
    # a string added without its translation comes out empty.
    copy = tmp_path / "phananh"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    monkeypatch.setattr("django.conf.settings.LOCALE_PATHS", [copy / "locale"])
    call_command("makemessages", locale=["vi"], ignore_patterns=["migrations"], verbosity=0)

    po = (copy / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")

    assert _untranslated(po) == []


def test_how_long_ago_is_said_in_vietnamese():
    # Django's own Vietnamese catalogue names the older "%d minute" strings, not the
    # "%(num)d minute" that `timesince` asks for: the pages said "3 days" until the project
    # translated them.
    from datetime import timedelta

    from django.utils import timezone, translation
    from django.utils.timesince import timesince

    with translation.override("vi"):
        said = timesince(timezone.now() - timedelta(days=3, hours=2, minutes=5), depth=3)
    assert said.replace("\xa0", " ") == "3 ngày, 2 giờ, 5 phút"
