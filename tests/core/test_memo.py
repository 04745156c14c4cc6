from core import memo
from core.memo import ProcessMemo


def test_a_memo_computes_once_until_it_expires_or_is_forgotten(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    calls = []
    kept: ProcessMemo[int] = ProcessMemo(60)

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert kept.get(compute) == 1
    assert kept.get(compute) == 1  # kept
    clock[0] += 61
    assert kept.get(compute) == 2  # expired
    kept.forget()
    assert kept.get(compute) == 3  # forgotten by the service that changed it
    kept.assume(0)
    assert kept.get(compute) == 0 and len(calls) == 3
