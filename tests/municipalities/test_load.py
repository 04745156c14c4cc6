import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from municipalities.codes import DEFAULT_CSV, check_digit, is_valid_code, parse_csv
from municipalities.models import LocalGovernment
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_migration_loads_all_1788_with_the_documented_breakdown():
    assert LocalGovernment.objects.count() == 1788
    counts = {
        kind: LocalGovernment.objects.filter(kind=kind).count()
        for kind in ("prefecture", "city", "town", "village", "ward")
    }
    assert counts == {"prefecture": 47, "city": 792, "town": 743, "village": 183, "ward": 23}


def test_every_code_has_a_valid_check_digit():
    codes = list(LocalGovernment.objects.values_list("code", flat=True))
    assert all(is_valid_code(c) for c in codes)
    assert check_digit("13101") == 6  # 千代田区 131016
    assert not is_valid_code("131017")


def test_dumpdata_holds_exactly_1788_local_governments():
    out = io.StringIO()
    call_command("dumpdata", "municipalities.localgovernment", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == 1788
    assert all(is_valid_code(r["fields"]["code"]) for r in rows)


def test_loading_twice_changes_nothing():
    out = io.StringIO()
    call_command("load_local_governments", stdout=out)
    assert "追加 0 / 更新 0 / 変更なし 1788" in out.getvalue()
    assert LocalGovernment.objects.count() == 1788


def _csv_with(edit) -> str:
    lines = DEFAULT_CSV.read_text(encoding="utf-8").splitlines()
    return "\n".join(edit(lines)) + "\n"


def test_a_rename_updates_the_name(tmp_path):
    def rename(lines):
        return [
            line.replace("282219,28,兵庫県,丹波篠山市", "282219,28,兵庫県,新丹波篠山市")
            for line in lines
        ]

    path = tmp_path / "list.csv"
    path.write_text(_csv_with(rename), encoding="utf-8")
    call_command("load_local_governments", file=path, stdout=io.StringIO())
    assert LocalGovernment.objects.get(code="282219").name == "新丹波篠山市"


def test_a_merge_keeps_referenced_rows_as_defunct_pointing_to_the_successor(tmp_path):
    member = MemberFactory(local_government=LocalGovernment.objects.get(code="011002"))

    # 函館市 (012025) absorbs 札幌市 (011002, referenced) and 小樽市 (012033, unreferenced).
    def merge(lines):
        header, *rest = lines
        out = [header + ",replaces"]
        for line in rest:
            if line.startswith(("011002,", "012033,")):
                continue
            out.append(line + (",011002;012033" if line.startswith("012025,") else ","))
        return out

    path = tmp_path / "merged.csv"
    path.write_text(_csv_with(merge), encoding="utf-8")
    call_command("load_local_governments", file=path, stdout=io.StringIO())

    sapporo = LocalGovernment.objects.get(code="011002")
    assert sapporo.is_defunct and sapporo.successor.code == "012025"
    assert not LocalGovernment.objects.filter(code="012033").exists()
    member.refresh_from_db()
    assert member.local_government_id == sapporo.pk


def test_a_bad_file_is_rejected_whole(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        _csv_with(lambda ls: [*ls[:5], "131017,13,東京都,誤,ゴ,ward,,", *ls[5:]]), encoding="utf-8"
    )
    with pytest.raises(CommandError, match="団体コード"):
        call_command("load_local_governments", file=path, stdout=io.StringIO())
    assert LocalGovernment.objects.count() == 1788


def test_parse_rejects_unknown_kind():
    text = (
        "code,prefecture_code,prefecture,name,name_kana,kind\n"
        "131016,13,東京都,千代田区,チヨダク,county\n"
    )
    with pytest.raises(ValueError, match="種別"):
        parse_csv(text)
