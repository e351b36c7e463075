"""Issue 14, many nodes: two web nodes, two Celery workers and one beat on one
PostgreSQL and one Redis, as production runs them (tests/delivery/cluster.py).

The guide is walked over HTTP, each request going to the other node: the
administrator turns 2FA on by SMS and sets up their own login, co-workers set
up theirs, and people log in with the codes the workers send to the Twilio
stand-in. Mid-way a worker is killed (SIGKILL) while the provider holds one of
its codes, and one web node is killed (SIGKILL, master and workers) with
logins started and a session made on it. The walk goes on on the survivors:
the administrator moves the account to Email, a co-worker without a phone
number turns 2FA on, and the next logins take their codes from the SMTP
server. Nothing is lost: every login started completes, every session works
on the other node, every code asked for arrives once and logs in."""

import time
import uuid
from collections import Counter
from types import SimpleNamespace

import pytest

from portal.health import BEAT_KEY, WORKER_KEY
from tests.delivery.cluster import (
    PUBLIC_URL,
    Balancer,
    Beat,
    Inbox,
    Page,
    Person,
    WebNode,
)
from tests.delivery.parts import (
    REDIS_HOST,
    REDIS_PORT,
    Worker,
    delivery_env,
    queue_idle,
    real_part_missing,
    wait_for,
)
from tests.fixtures import PASSWORD
from twofactor.models import Challenge

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]

# A database number of this test's own on the machine's Redis (the delivery
# tests use 13, the browser tests 12, the health test 11, the benchmarks 9
# and 10): the nodes' health keys are only this cluster's.
REDIS_DB = 7
# The provider holds the text the first worker sends this long: the worker is
# killed while it waits.
HELD_SECONDS = 10
PHONES = {
    "ada": "+13035551212",
    "carl": "+13035551299",
    "dee": "+13035551301",
    "eve": "+13035551302",
}


@pytest.fixture
def stack(transactional_db, providers, worker_logs):
    """Two web nodes, two workers and a beat, all on the test database and
    this test's Redis database; the people's view of them (a balancer, an
    inbox); and a trail of every request, with the node that served it."""
    import redis

    twilio, smtp = providers
    broker_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    client = redis.Redis.from_url(broker_url, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        real_part_missing(f"Redis at {REDIS_HOST}:{REDIS_PORT} ({type(exc).__name__})")
    queue = f"portal-nodes-{uuid.uuid4().hex[:12]}"
    env = {
        **delivery_env(broker_url=broker_url, queue=queue, twilio=twilio, smtp=smtp),
        "DJANGO_SETTINGS_MODULE": "tests.delivery.node_settings",
        "DJANGO_DEBUG": "0",
        # One public name for every node: the balancer's.
        "PORTAL_BASE_URL": PUBLIC_URL,
        "DJANGO_ALLOWED_HOSTS": "portal.test",
        # The workers log at DEBUG (Worker's default): the line that starts a
        # task carries the id of the request that queued it.
        "LOG_LEVEL": "INFO",
        # Beat's health tick every 2 s: its jobs are seen running on the
        # surviving worker within seconds of the kill.
        "HEALTH_BEAT_TICK_EVERY_SECONDS": "2",
    }
    logs = worker_logs / queue
    logs.mkdir()
    # All five start at once; each is waited for below.
    beat = Beat("beat", env=env, log_dir=logs)
    workers = [Worker(env, logs, queue=queue) for _ in range(2)]
    nodes = [WebNode(name, env=env, log_dir=logs) for name in ("web-a", "web-b")]
    try:
        for worker in workers:
            worker.wait_ready()
        for node in nodes:
            wait_for(node.answers, timeout=60, interval=0.2, what=f"{node.name} to answer")
        yield SimpleNamespace(
            twilio=twilio,
            redis=client,
            beat=beat,
            workers=workers,
            nodes=nodes,
            balancer=Balancer(nodes),
            inbox=Inbox(twilio, smtp),
            trail=[],
        )
    finally:
        twilio.latency = 0
        # Asked all at once, then waited for: each takes a moment to stop.
        for process in (beat, *nodes):
            process.process.terminate()
        for process in (beat, *nodes):
            process.stop()
        # The workers finish every task queued before the database is emptied.
        try:
            wait_for(
                lambda: queue_idle(client, queue),
                timeout=30,
                what="the workers to finish the test's tasks",
            )
        finally:
            for worker in workers:
                worker.process.terminate()
            for worker in workers:
                worker.stop()
            # Shown by pytest only when the test failed.
            for process in (beat, *nodes, *workers):
                print(f"----- log of {process.name} -----\n{process.log()[-6000:]}")
            for key in client.scan_iter(f"*{queue}*"):
                client.delete(key)
            for worker in workers:
                for key in client.scan_iter(f"{WORKER_KEY}{worker.name}@*"):
                    client.delete(key)
            client.delete(BEAT_KEY)
            client.close()


# --- the guide's steps, over HTTP ---------------------------------------------------------


def log_in(person: Person, **where) -> Page:
    """'Enter your username and password. Click Log In.'"""
    page = person.get("/login/", **where)
    return person.submit(
        page, "Log In", {"username": person.username, "password": PASSWORD}, **where
    )


def verify(person: Person, page: Page, code: str, **where) -> Page:
    """'Enter the code in the field and click Verify.'"""
    return person.submit(page, "Verify", {"code": code}, **where)


def welcomed(person: Person, **where) -> Page:
    home = person.get("/", **where)
    assert home.status == 200, home
    assert home.heading() == f"Welcome, {person.username}"
    return home


def log_out(person: Person) -> None:
    home = person.get("/")
    out = person.submit(home, "Log Out")
    assert out.location == "/login/", out


# --- the test -----------------------------------------------------------------------------


def test_no_login_and_no_code_is_lost_when_a_worker_and_a_web_node_die(
    stack, make_enterprise, make_user
):
    twilio, inbox, trail = stack.twilio, stack.inbox, stack.trail
    node_a, node_b = stack.nodes
    acme = make_enterprise("Acme Logistics")
    users = {
        "ada": make_user("ada", acme, admin=True, phone=PHONES["ada"]),
        **{name: make_user(name, acme, phone=PHONES[name]) for name in ("carl", "dee", "eve")},
        # No phone number: he turns 2FA on once the account sends codes by email.
        "bob": make_user("bob", acme),
    }
    people = {name: Person(name, stack.balancer, trail) for name in users}
    ada, carl, dee, eve, bob = (people[n] for n in ("ada", "carl", "dee", "eve", "bob"))
    by_sms = {person: PHONES[person.username] for person in (ada, carl, dee, eve)}
    by_email = {person: users[person.username].email for person in people.values()}
    asked: Counter[str] = Counter()  # codes asked for, by destination
    started: list[str] = []  # logins with a code, started and completed
    completed: list[str] = []

    def password_step(person: Person, destination: str, **where) -> None:
        started.append(person.username)
        asked[destination] += 1
        page = log_in(person, **where)
        assert page.location == "/login/verify/", page

    def code_step(person: Person, code: str, **where) -> None:
        code_page = person.get("/login/verify/", **where)
        assert code_page.status == 200, code_page
        done = verify(person, code_page, code, **where)
        assert done.location == "/", done
        welcomed(person, **where)
        completed.append(person.username)

    def log_in_with_code(person: Person, destination: str) -> None:
        password_step(person, destination)
        code_step(person, inbox.next_code(destination))

    def with_code(person: Person, saved: Page, destination: str) -> Page:
        """A change that needs a code: the code page, the code, Verify."""
        assert saved.location == "/twofactor/verify/", saved
        asked[destination] += 1
        code_page = person.get(saved.location)
        return person.follow(verify(person, code_page, inbox.next_code(destination)))

    def turn_on(person: Person, destination: str) -> None:
        """My Account > User Settings: select Status, Save, then the code."""
        settings = person.get("/account/settings/")
        saved = person.submit(settings, "Save", {"twofactor": "on"})
        done = with_code(person, saved, destination)
        assert "Two-factor authentication is now enabled for your login." in done.text, done
        assert done.form("Save").fields["twofactor"] == ["on"]

    # Both nodes are ready: the database, Redis, a worker's heartbeat, beat's tick.
    for node in stack.nodes:
        wait_for(
            lambda node=node: ada.get("/health/ready", node=node).status == 200,
            timeout=30,
            interval=0.2,
            what=f"{node.name}'s /health/ready to answer 200",
        )

    # Administrator Actions: log in, Enterprise Settings > Two-Factor
    # Authentication, select Status, Channel SMS, Save; then Click Here and
    # set up 2FA for their own login.
    page = log_in(ada)
    assert page.location == "/", page
    tab = ada.get("/enterprise/settings/two-factor/")
    listed = ada.follow(ada.submit(tab, "Save", {"status": "on", "channel": "sms"}))
    # bob has no phone number: the first Save lists him, the second confirms.
    assert "1 co-worker cannot receive codes by SMS" in listed.text, listed
    saved = ada.follow(
        ada.submit(listed, "Save", {"status": "on", "channel": "sms", "confirm_unreachable": "on"})
    )
    assert "Two-factor authentication is enabled for the account, by SMS." in saved.text, saved
    turn_on(ada, by_sms[ada])

    # User Actions: co-workers log in (the password is enough for now) and
    # set up 2FA for their logins. bob, with no phone number, only logs in.
    for person in (carl, dee, eve, bob):
        page = log_in(person)
        assert page.location == "/", page
    for person in (carl, dee, eve):
        turn_on(person, by_sms[person])

    # Logging in using 2FA: they log out, and in again with a texted code.
    for person in (ada, carl, dee):
        log_out(person)
        log_in_with_code(person, by_sms[person])

    # Every person's requests so far went to both nodes, in turn.
    for name in users:
        assert {node for who, node, *_ in trail if who == name} == {"web-a", "web-b"}

    # What web-a holds when it dies: carl's session, made there; eve's login,
    # started there, her code arrived; dee's login, started there, her text
    # still with the provider when the worker sending it dies.
    log_out(carl)
    password_step(carl, by_sms[carl], node=node_a)
    code_step(carl, inbox.next_code(by_sms[carl]), node=node_a)
    log_out(eve)
    password_step(eve, by_sms[eve], node=node_a)
    eve_code = inbox.next_code(by_sms[eve])
    log_out(dee)
    twilio.latency = HELD_SECONDS
    started.append("dee")
    asked[by_sms[dee]] += 1
    dee_login = log_in(dee, node=node_a)
    assert dee_login.location == "/login/verify/", dee_login
    held = wait_for(
        lambda: inbox.texts(by_sms[dee])[asked[by_sms[dee]] - 1 :],
        timeout=20,
        what="dee's text to reach the provider",
    )
    twilio.latency = 0  # only dee's text is held
    sending = wait_for(
        lambda: [w for w in stack.workers if dee_login.request_id in w.log()],
        timeout=10,
        what="the worker sending dee's code",
    )
    [killed_worker] = sending
    [survivor] = [w for w in stack.workers if w is not killed_worker]
    killed_worker.kill()
    killed_at = time.time()
    held_challenge = Challenge.objects.get(user=users["dee"], used_at=None)
    assert held_challenge.delivery == Challenge.Delivery.SENDING
    stack.balancer.take_out(node_a)
    node_a.kill()
    assert node_a.refuses_connections()
    after_kill = len(trail)

    # On the survivors. carl's session, made on web-a, works on web-b.
    welcomed(carl)
    assert "Enabled" in carl.get("/account/settings/").text
    # bob's session too (made on either node).
    welcomed(bob)
    # eve types the code from web-a's login on web-b.
    code_step(eve, eve_code)
    # The broker gives the killed worker's unacknowledged task back, and the
    # survivor sends dee a fresh code; the held text's code no longer works.
    inbox.skip(by_sms[dee])
    fresh = inbox.next_code(by_sms[dee])
    held_code = held[0]["form"]["Body"].split("code is ")[1][:6]
    refused = verify(dee, dee.get("/login/verify/"), held_code)
    assert refused.status != 302 and "not correct" in refused.text, refused
    code_step(dee, fresh)
    assert dee_login.request_id in survivor.log()
    # The one beat goes on; its jobs run on the surviving worker.
    wait_for(
        lambda: float(stack.redis.get(BEAT_KEY) or 0) > killed_at,
        timeout=20,
        interval=0.2,
        what="a beat tick run after the kill",
    )
    assert ada.get("/health/ready").status == 200

    # The walk goes on. The administrator moves the account to Email (their
    # own login uses 2FA: a texted code first); bob turns 2FA on, by email;
    # the next logins take their codes from the mailbox.
    tab = ada.get("/enterprise/settings/two-factor/")
    saved = with_code(ada, ada.submit(tab, "Save", {"channel": "email"}), by_sms[ada])
    assert "The channel is now Email." in saved.text, saved
    turn_on(bob, by_email[bob])
    for person in (ada, bob, eve):
        log_out(person)
        log_in_with_code(person, by_email[person])
    assert {node for _who, node, *_ in trail[after_kill:]} == {"web-b"}

    # No login lost: every login started was completed.
    assert sorted(completed) == sorted(started)
    # No code lost: each destination got one message per code asked for, and
    # dee one more, the text the killed worker was sending when it died.
    sent = Counter({phone: len(inbox.texts(phone)) for phone in by_sms.values()})
    sent += Counter({address: len(inbox.emails(address)) for address in by_email.values()})
    assert sent == asked + Counter({by_sms[dee]: 1})
    # Every challenge was sent once and used: none waits, none is left over.
    challenges = Challenge.objects.all()
    assert challenges.count() == sum(asked.values())
    assert {c.delivery for c in challenges} == {Challenge.Delivery.SENT}
    assert not challenges.filter(used_at=None).exists()
