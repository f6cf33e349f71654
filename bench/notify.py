"""The notifications benchmark (issue 12): the reminders of 100,000 learners' sessions of one
evening scheduled, made due and drained through two real Celery workers on Redis with a
fake SMS provider; the cheapest authenticated write (`/bench/write`) measured in the same
run on gunicorn, as the other benchmarks do.

    make bench-notify                                  # bash bench/run.sh with its database
    make bench-notify BENCH_ARGS="--learners 5000"     # quicker

Steps: seed (bulk: guardians with tokens, one child each, 30 to a class, one session each
between 18:00 and 20:00 Tehran time two days from now; kept between runs, the sessions moved
to the coming evening); the write yardstick (gunicorn, 500 `POST /bench/write` per round,
median of the rounds); scheduling (`reminders_for_enrollments`, the path a confirmation
takes, in chunks: 24 h and 1 h reminders by SMS, and their inbox items); the reminders made
due now (and allowed at night, so that the benchmark runs at any hour); two workers
(`celery -A config worker --pool=solo`, one process each) started on Redis, and the
`outbox_flush` task sent repeatedly (a few queued at a time) until no reminder is pending.

The fake provider (bench/notify_provider.py) counts each (recipient, text) in Redis:
duplicates = messages sent more than once, lost = reminder rows not sent at the end,
worker_peak_mb = the higher of the two workers' peak resident memory (VmHWM).

Last line:
    notify: messages=N queued_per_s=N sent_per_s=N write_rps=N ratio=R duplicates=N lost=N worker_peak_mb=N
ratio = sent_per_s / write_rps.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.run import (
    BIN,
    LOG_DIR,
    PYTHON,
    ROOT,
    _env,
    _free_port,
    _machine,
    _run,
    _serve,
    _stop,
    _wait_ready,
)
from bench.rush import HOST, WRITE_PATH, _phase, _request, load

DEFAULT_REDIS = "redis://127.0.0.1:6379/10"
PREFIX = "bench.notify."
TERM = "ترم آزمون یادآوری"
CLASS_SIZE = 30
PLAN = ROOT / "var" / "bench" / "notify-plan.json"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_notify")
    import django

    django.setup()
    from django.db import connection

    if "bench" not in str(connection.settings_dict["NAME"]):
        raise SystemExit("bench: the database's name must say bench")


# --- the steps run in subprocesses with Django set up ---------------------------------------


def seed(learners: int) -> dict[str, Any]:
    """The learners and their evening's sessions (kept if already there), the sessions moved
    to two days from now, and the notifications of earlier runs removed."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from bench.seed_rush import bench_center, bench_families
    from kargah.accounts.models import Gender, Learner
    from kargah.catalog import services as catalog_services
    from kargah.catalog.demo import seed_age_groups, seed_categories
    from kargah.catalog.models import Course, CourseConditions, Offering, OfferingStatus, Session
    from kargah.core.persian import TEHRAN
    from kargah.enrollment.models import Enrollment, EnrollmentStatus
    from kargah.notifications.models import InboxItem, OutboxMessage

    now = timezone.now()
    evening = (now.astimezone(TEHRAN) + dt.timedelta(days=2)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    with connection.cursor() as cursor:  # the benchmark's own database: start clean
        for model in (OutboxMessage, InboxItem):
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)}")
    seeded = Learner.objects.filter(family__guardian__username__startswith=PREFIX).count()
    if seeded != learners:
        if seeded:
            raise SystemExit(
                f"bench: {seeded} learners are seeded, not {learners}; drop the database "
                "(dropdb kargah_bench_notify) to seed again"
            )
        with transaction.atomic():
            province, center, term, instructor = bench_center(
                code="bench-notify",
                province_name="استان آزمون",
                center_name="مرکز آزمون یادآوری",
                term_name=TERM,
                starts_on=now.date() - dt.timedelta(days=10),
                ends_on=now.date() + dt.timedelta(days=400),
                instructor="bench.notify-instructor",
            )
            category, group = seed_categories()["painting"], seed_age_groups()["be"]
            course = Course.objects.create(
                center=center, category=category, age_group=group, title="آزمون یادآوری",
                description="کارگاه آزمون بار", session_count=1, session_minutes=60,
            )  # fmt: skip
            conditions = CourseConditions.objects.create(course=course, version=1, text="می‌پذیرم.")
            classes = (learners + CLASS_SIZE - 1) // CLASS_SIZE
            rows = []
            for _ in range(classes):
                offering = Offering(
                    course=course, term=term, center=center, capacity=CLASS_SIZE, quorum=1,
                    fee_rials=1_000_000, registration_opens_at=now - dt.timedelta(days=5),
                    registration_closes_at=now - dt.timedelta(days=1),
                    weekly_pattern=[{"weekday": 0, "start": "18:00"}],
                    first_date=evening.date(), min_age=group.min_age, max_age=group.max_age,
                    status=OfferingStatus.REGISTRATION_CLOSED, published_at=now - dt.timedelta(days=5),
                )  # fmt: skip
                catalog_services._derive_filter_fields(offering)
                rows.append(offering)
            offerings = Offering.objects.bulk_create(rows, batch_size=2000)
            Offering.instructors.through.objects.bulk_create(
                (Offering.instructors.through(offering_id=o.pk, user_id=instructor.pk)
                 for o in offerings), batch_size=5000,
            )  # fmt: skip
            Session.objects.bulk_create(
                (Session(offering=o, number=1, starts_at=evening,
                         ends_at=evening + dt.timedelta(hours=1))
                 for o in offerings), batch_size=5000,
            )  # fmt: skip
            _guardians, homes, children = bench_families(
                prefix=PREFIX, mobile="+98936", count=learners, province=province,
                national_codes_from=300_000, gender=Gender.BOY,
            )  # fmt: skip
            Enrollment.objects.bulk_create(
                (Enrollment(learner=child, family=home, offering=offerings[i // CLASS_SIZE],
                            status=EnrollmentStatus.CONFIRMED, conditions=conditions,
                            conditions_accepted_at=now, confirmed_at=now, fee_rials=1_000_000,
                            paid_rials=1_000_000, paid_at=now)
                 for i, (child, home) in enumerate(zip(children, homes, strict=True))),
                batch_size=5000,
            )  # fmt: skip
    # One evening, 18:00 to 20:00 (three starts), two days from now.
    sessions = Session.objects.filter(offering__term__name=TERM)
    for slot in range(3):
        start = evening + dt.timedelta(minutes=45 * slot)
        sessions.filter(offering_id__in=_every(3, slot)).update(
            starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    tokens = list(
        Token.objects.filter(user__username__startswith=PREFIX)
        .order_by("user_id")
        .values_list("key", flat=True)[:500]
    )
    PLAN.parent.mkdir(parents=True, exist_ok=True)
    PLAN.write_text(json.dumps({"tokens": tokens}))
    return {"seeded": seeded != learners, "learners": learners}


def _every(step: int, remainder: int) -> Any:
    from django.db.models import F, IntegerField
    from django.db.models.functions import Mod

    from kargah.catalog.models import Offering

    return (
        Offering.objects.filter(term__name=TERM)
        .annotate(slot=Mod(F("pk"), step, output_field=IntegerField()))
        .filter(slot=remainder)
        .values("pk")
    )


def schedule(chunk: int) -> dict[str, Any]:
    """Schedules every reminder as a confirmation does, and makes them due now."""
    from django.db import transaction
    from django.utils import timezone

    from kargah.enrollment.models import Enrollment
    from kargah.notifications.models import OutboxMessage, OutboxStatus
    from kargah.notifications.reminders import REMINDER_KINDS, reminders_for_enrollments

    ids = list(
        Enrollment.objects.filter(family__guardian__username__startswith=PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    started = time.perf_counter()
    for i in range(0, len(ids), chunk):
        with transaction.atomic():
            reminders_for_enrollments(ids[i : i + chunk])
    seconds = time.perf_counter() - started
    rows = OutboxMessage.objects.filter(kind__in=REMINDER_KINDS)
    messages = rows.count()
    # Due now; allowed in the quiet hours too, so that the run does not wait for the morning.
    rows.update(next_attempt_at=timezone.now(), quiet_exempt=True)
    return {
        "messages": messages,
        # The inbox copies wait in the outbox too and become inbox items when drained.
        "inbox": rows.filter(channel="inbox").count(),
        "pending": rows.filter(status=OutboxStatus.PENDING).count(),
        "seconds": seconds,
    }


def drain(in_flight: int, timeout: float) -> dict[str, Any]:
    """Sends the outbox_flush task until no reminder is pending, keeping `in_flight` queued."""
    import redis
    from django.conf import settings

    from bench.notify_provider import SENT, TOTAL
    from kargah.notifications.models import InboxItem, OutboxMessage, OutboxStatus
    from kargah.notifications.reminders import REMINDER_KINDS
    from kargah.notifications.tasks import outbox_flush

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    rows = OutboxMessage.objects.filter(kind__in=REMINDER_KINDS)
    tasks = 0
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if not rows.filter(status=OutboxStatus.PENDING).exists():
            break
        for _ in range(max(0, in_flight - int(broker.llen("celery")))):
            outbox_flush.delay()
            tasks += 1
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    timed_out = rows.filter(status=OutboxStatus.PENDING).exists()
    # The last tasks finish (a flush that found nothing returns at once).
    while broker.llen("celery") and time.perf_counter() - started < timeout + 60:
        time.sleep(0.2)
    time.sleep(2)
    record = redis.Redis.from_url(os.environ["BENCH_NOTIFY_RECORD_URL"])
    counts = [int(v) for v in record.hvals(SENT)]
    sent = rows.filter(status=OutboxStatus.SENT).count()
    # An inbox message delivered twice would be a second inbox item for the same reminder.
    inbox_extra = max(
        0,
        InboxItem.objects.filter(kind__in=REMINDER_KINDS).count()
        - rows.filter(channel="inbox", status=OutboxStatus.SENT).count(),
    )
    return {
        "seconds": seconds,
        "timed_out": timed_out,
        "tasks": tasks,
        "sent_rows": sent,
        "lost": rows.exclude(status=OutboxStatus.SENT).count(),
        "provider_total": int(record.get(TOTAL) or 0),
        "provider_distinct": len(counts),
        "duplicates": sum(n - 1 for n in counts if n > 1) + inbox_extra,
        "failed_or_waiting": {
            status: rows.filter(status=status).count()
            for status in (OutboxStatus.PENDING, OutboxStatus.FAILED)
        },
    }


# --- the run ---------------------------------------------------------------------------------


def _step(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = _run([PYTHON, "-m", "bench.notify", *args], env)
    return dict(json.loads(out.strip().splitlines()[-1]))


def _machine_no_wrk(env: dict[str, str]) -> dict[str, str]:
    """bench.run._machine without wrk (this benchmark does not use it)."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    kib = int(Path("/proc/meminfo").read_text().split()[1])
    postgres = _run(
        [PYTHON, "-c", "import django; django.setup(); from django.db import connection; "
         "c = connection.cursor(); c.execute('show server_version'); print(c.fetchone()[0])"],
        env,
    ).strip()  # fmt: skip
    return {
        "cores": str(os.cpu_count()),
        "cpu": next(
            (ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), ""
        ),
        "memory": f"{kib / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "postgresql": postgres,
    }


def _peak_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _workers(env: dict[str, str], count: int, log: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for n in range(count):
        command = [
            str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--loglevel=warning",
            "--hostname", f"bench-notify-{n}@%h", "--without-gossip", "--without-mingle",
            "--without-heartbeat",
        ]  # fmt: skip
        with log.open("ab") as out:
            workers.append(
                subprocess.Popen(  # noqa: S603  (our own command line)
                    command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
                )
            )
    return workers


def _write_yardstick(
    env: dict[str, str], tokens: list[str], *, rounds: int, workers: int, connections: int
) -> float:
    port = _free_port(8767)
    base = f"http://{HOST}:{port}"
    log = LOG_DIR / "gunicorn.log"
    server_env = dict(env, DJANGO_SETTINGS_MODULE="bench.settings")
    server = _serve(server_env, port=port, workers=workers, log=log)
    rates = []
    try:
        _wait_ready(base, server, log)
        load(
            port,
            [_request(t, "w", {"n": 0}, port=port, path=WRITE_PATH) for t in tokens[:100]],
            connections=connections,
        )  # fmt: skip  (warm the workers)
        for round_no in range(1, rounds + 1):
            payloads = [
                _request(t, f"w-{round_no}-{i}", {"n": i}, port=port, path=WRITE_PATH)
                for i, t in enumerate(tokens)
            ]
            answers, seconds = load(port, payloads, connections=connections)
            phase = _phase("write", round_no, answers, seconds)
            bad = [a.status for a in answers if a.status != 201]
            print(
                f"  round {round_no} write {phase.rps:8.1f} req/s  p99 {phase.p99_ms:7.1f} ms"
                + (f"  ({len(bad)} answers not 201)" if bad else ""),
                flush=True,
            )
            rates.append(phase.rps)
    finally:
        _stop(server)
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The notifications benchmark.")
    parser.add_argument("step", nargs="?", choices=["seed", "schedule", "drain"])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=5000, help="places scheduled per call")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--in-flight", type=int, default=4, help="flush tasks kept queued")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to drain")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the write yardstick")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args(argv)

    if args.step:
        _setup()
        if args.step == "seed":
            result = seed(args.learners)
        elif args.step == "schedule":
            result = schedule(args.chunk)
        else:
            result = drain(args.in_flight, args.timeout)
        print(json.dumps(result))
        return 0

    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench: set BENCH_DATABASE_URL to a PostgreSQL database (bench/run.sh)")
    redis_url = os.environ.get("BENCH_NOTIFY_REDIS_URL", DEFAULT_REDIS)
    env = _env(database_url, "bench.settings_notify")
    env.update(CELERY_BROKER_URL=redis_url, BENCH_NOTIFY_RECORD_URL=redis_url)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    import redis

    record = redis.Redis.from_url(redis_url)
    record.delete("celery", "bench-notify:sent", "bench-notify:total")

    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    started = time.perf_counter()
    print("seed:", _step(env, "seed", "--learners", str(args.learners)),
          f"({time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip
    machine = _machine(env) if shutil.which("wrk") else _machine_no_wrk(env)
    print(
        f"machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory']} RAM, "
        f"PostgreSQL {machine['postgresql']}, Python {machine['python']}; Redis {redis_url}",
        flush=True,
    )
    tokens = json.loads(PLAN.read_text())["tokens"]
    print(f"write yardstick: gunicorn {args.gunicorn_workers} sync workers, {len(tokens)} "
          f"POST {WRITE_PATH} per round, {args.connections} connections", flush=True)  # fmt: skip
    write_rps = _write_yardstick(
        env, tokens, rounds=args.rounds, workers=args.gunicorn_workers,
        connections=args.connections,
    )  # fmt: skip

    scheduled = _step(env, "schedule", "--chunk", str(args.chunk))
    messages = scheduled["messages"]
    queued_per_s = messages / scheduled["seconds"] if scheduled["seconds"] else 0.0
    print(
        f"scheduled: {messages} reminders ({scheduled['inbox']} of them for the inbox) in "
        f"{scheduled['seconds']:.1f} s ({queued_per_s:.0f} SMS/s)",
        flush=True,
    )

    log = LOG_DIR / "celery-notify.log"
    workers = _workers(env, args.workers, log)
    peaks: dict[int, float] = {}
    try:
        time.sleep(3)
        for worker in workers:
            if worker.poll() is not None:
                raise SystemExit(f"bench: a Celery worker exited ({worker.returncode}); see {log}")
        idle = {w.pid: _peak_mb(w.pid) for w in workers}
        print(f"workers: {args.workers} × celery worker --pool=solo; idle peak "
              f"{max(idle.values()):.0f} MB", flush=True)  # fmt: skip
        drained = _step(env, "drain", "--in-flight", str(args.in_flight),
                        "--timeout", str(args.timeout))  # fmt: skip
        peaks = {w.pid: _peak_mb(w.pid) for w in workers if w.poll() is None}
    finally:
        for worker in workers:
            _stop(worker)
    sent_per_s = drained["sent_rows"] / drained["seconds"] if drained["seconds"] else 0.0
    worker_peak = max(peaks.values()) if peaks else 0.0
    print(
        f"drained: {drained['sent_rows']} sent in {drained['seconds']:.1f} s by "
        f"{drained['tasks']} flush tasks; provider got {drained['provider_total']} "
        f"({drained['provider_distinct']} distinct); left {drained['failed_or_waiting']}; "
        f"worker peaks {', '.join(f'{p:.0f}' for p in peaks.values())} MB",
        flush=True,
    )
    if drained["timed_out"]:
        print(f"drain stopped at --timeout {args.timeout:.0f} s: 'lost' counts the rows not "
              "sent by then", flush=True)  # fmt: skip
    ratio = sent_per_s / write_rps if write_rps else 0.0
    print(
        f"notify: messages={messages} queued_per_s={queued_per_s:.0f} "
        f"sent_per_s={sent_per_s:.0f} write_rps={write_rps:.0f} ratio={ratio:.2f} "
        f"duplicates={drained['duplicates']} lost={drained['lost']} "
        f"worker_peak_mb={worker_peak:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
