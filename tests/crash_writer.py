"""A writer for the crash-safety test: registers and accepts cases until it is killed.

    python tests/crash_writer.py DATA_DIR USERNAME PASSWORD MATTER_CODE SEED

Opens the profile the way the program does (``open_runtime``), then loops through the
case services: register, record the materials, accept. After each use case returns
(its transaction committed) it prints ``committed <case id> <events so far>`` and
flushes, so the test knows what must survive a SIGKILL at any moment. ``ready`` is
printed once the profile is open.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.domain.identity import resident_id_check_char  # noqa: E402
from app.services import accounts, cases  # noqa: E402
from app.services.runtime import open_runtime  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "强", "磊")


def applicant(rng: random.Random) -> dict[str, object]:
    first17 = f"130534{rng.randrange(1950, 2005)}0{rng.randrange(1, 10)}1{rng.randrange(0, 10)}" \
              f"{rng.randrange(0, 1000):03d}"
    return {
        "kind": "natural",
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "id_type": "resident_id",
        "id_number": first17 + resident_id_check_char(first17),
        "phone": f"13{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}",
        "address": "清河县城关镇建设路18号",
    }


def committed(case_id: str, events: int) -> None:
    sys.stdout.write(f"committed {case_id} {events}\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    data_dir, username, password, matter_code, seed = argv
    rng = random.Random(int(seed))
    runtime = open_runtime(Path(data_dir), backups=False)
    clerk = accounts.authenticate(runtime.uow, username=username, password=password)
    # Sealing imports pyHanko on first use (about 0.5 s): do it before the timed part, so
    # kills land among writes, as in a program that has sealed before.
    import app.signing.pades  # noqa: F401

    print("ready", flush=True)
    while True:
        case = cases.register_case(runtime.uow, clerk, matter_code=matter_code,
                                   applicant=applicant(rng))
        committed(case.id, 1)
        case = cases.record_materials(
            runtime.uow, clerk, case.id,
            materials=[dict(m, received=True) for m in case.materials],
        )
        committed(case.id, 2)
        # Accepting seals the acceptance notice in the same transaction: two events.
        cases.accept(runtime.uow, clerk, case.id,
                     seal=cases.CounterSeal(password=password, key_store=runtime.key_store))
        committed(case.id, 4)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
