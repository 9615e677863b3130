"""Identity at the door: tokens (ours and an external provider's), users, audit."""
import base64
import hashlib
import hmac
import json
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
import requests
from sqlalchemy import create_engine, text
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import ISSUER
from tests.support.system import ADMIN
from tests.support.waiting import wait_for
from tests.support.world import PASSWORD, activity_body, build_world


def status(system, token, path="/api/v1/users/me"):
    return requests.get(system.gateway + path, headers={"Authorization": "Bearer " + token},
                        timeout=10).status_code


def token_of(system, username, password=PASSWORD):
    answer = requests.post(system.gateway + "/api/v1/auth/token",
                           json={"username": username, "password": password}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def our_secret(system):
    return (system.tmp_path / "data" / "gateway-jwt-secret").read_text().strip()


def test_forged_expired_and_foreign_tokens_are_refused(world):
    system = world.system
    secret = our_secret(system)
    admin_id = system.client().get("/api/v1/users/me").json()["id"]
    now = int(time.time())
    good = {"sub": str(admin_id), "iss": ISSUER, "iat": now, "exp": now + 60}
    assert status(system, jwt.encode(good, secret, algorithm="HS256")) == 200
    refused = [
        jwt.encode(dict(good, exp=now - 1, iat=now - 100), secret, algorithm="HS256"),
        jwt.encode(dict(good, iss="someone-else"), secret, algorithm="HS256"),
        jwt.encode(good, "not-our-secret-but-long-enough-for-hs256", algorithm="HS256"),
        jwt.encode(good, secret, algorithm="HS512"),  # not the pinned algorithm
        jwt.encode({k: v for k, v in good.items() if k != "exp"}, secret, algorithm="HS256"),
        jwt.encode(good, None, algorithm="none"),
        jwt.encode(good, secret, algorithm="HS256")[:-2] + "xx",
    ]
    for token in refused:
        assert status(system, token) == 401, jwt.get_unverified_header(token)


def early_in_a_second():
    """Sign-in and change fall in one second from here: tokens carry whole seconds."""
    wait_for(lambda: time.time() % 1 < 0.2, 3, "the start of a second", interval=0.01)


def test_disabled_users_and_changed_credentials_stop_old_tokens_at_once(world):
    system = world.system
    admin = system.client()
    user_id = world.users["finance"]["id"]
    url = system.gateway + "/api/v1/users/%d" % user_id
    early_in_a_second()
    old = token_of(system, "finance")
    assert status(system, old) == 200
    assert admin.session.patch(url, json={"disabled": True}, timeout=10).status_code == 200
    assert status(system, old) == 401  # in the token's own second
    assert requests.post(system.gateway + "/api/v1/auth/token", timeout=10, json={
        "username": "finance", "password": PASSWORD}).status_code == 401
    assert admin.session.patch(url, json={"disabled": False}, timeout=10).status_code == 200
    assert status(system, old) == 401  # enabled again: its old tokens stay revoked
    assert status(system, token_of(system, "finance")) == 200

    early_in_a_second()
    old = token_of(system, "finance")
    reset = admin.post("/api/v1/users/%d/password" % user_id, {"password": "a-new-password"})
    assert reset.status_code == 200
    assert status(system, old) == 401  # the same second as the reset
    early_in_a_second()
    fresh = token_of(system, "finance", "a-new-password")
    assert status(system, fresh) == 200
    own = requests.post(system.gateway + "/api/v1/users/me/password", timeout=10,
                        headers={"Authorization": "Bearer " + fresh},
                        json={"current_password": "wrong", "new_password": "whatever-long"})
    assert own.status_code == 422 and "current_password" in own.json()["error"]["details"]
    changed = requests.post(system.gateway + "/api/v1/users/me/password", timeout=10,
                            headers={"Authorization": "Bearer " + fresh},
                            json={"current_password": "a-new-password",
                                  "new_password": PASSWORD})
    assert changed.status_code == 200, changed.text
    assert status(system, fresh) == 401  # one's own change, in the same second too
    assert status(system, token_of(system, "finance")) == 200


def test_new_passwords_follow_the_policy(world):
    system = world.system
    admin = system.client()
    user_id = world.users["worker"]["id"]
    # the policy's words in Chinese, the default language of every message
    cases = [("nine-char", "至少需要 10 个字符"), ("%s-in-the-hall", "用户名"),
             ("password1234", "太常见")]
    for password, why in cases:
        created = admin.post("/api/v1/users", {"username": "worker2", "role": "worker",
                                               "password": password.replace("%s", "worker2")})
        assert created.status_code == 422 and any(
            why in m for m in created.json()["error"]["details"]["password"]), created.text
        password = password.replace("%s", "WORKER")  # any case
        reset = admin.post("/api/v1/users/%d/password" % user_id, {"password": password})
        assert reset.status_code == 422 and any(
            why in m for m in reset.json()["error"]["details"]["password"]), reset.text
        own = world.as_user("worker").post("/api/v1/users/me/password", {
            "current_password": PASSWORD, "new_password": password})
        assert own.status_code == 422 and any(
            why in m for m in own.json()["error"]["details"]["new_password"]), own.text
    assert requests.post(system.gateway + "/api/v1/auth/token", timeout=10, json={
        "username": "worker2", "password": "password1234"}).status_code == 401  # not made
    assert status(system, token_of(system, "worker")) == 200  # its password is unchanged
    made = admin.post("/api/v1/users", {"username": "worker2", "password": "a-red-bicycle-17",
                                        "role": "worker"})
    assert made.status_code == 201, made.text


def test_ten_failed_sign_ins_lock_the_account_for_a_while(world):
    system = world.system
    admin = system.client()
    assert admin.post("/api/v1/users", {"username": "locked_out", "password": PASSWORD,
                                        "role": "worker"}).status_code == 201
    url = system.gateway + "/api/v1/auth/token"
    for name in ("locked_out", "no_such_person"):
        for _ in range(10):
            answer = requests.post(url, json={"username": name, "password": "wrong-guess"},
                                   timeout=10)
            assert answer.status_code == 401, answer.text
        locked = requests.post(url, json={"username": name, "password": PASSWORD}, timeout=10)
        assert locked.status_code == 429, locked.text  # the right password included
        assert locked.json()["error"]["code"] == "RATE_LIMITED"
        assert 0 < int(locked.headers["Retry-After"]) <= 60
    assert status(system, token_of(system, "worker")) == 200  # other accounts sign in
    entries = admin.get("/api/v1/audit", username="locked_out").json()["items"]
    failed = [e for e in entries if e["path"] == "/api/v1/auth/token"]
    assert len(failed) == 10 and {e["status"] for e in failed} == {401}
    assert {e["client_address"] for e in failed} == {"127.0.0.1"}
    assert failed[0]["user_id"] is not None
    unknown = admin.get("/api/v1/audit", username="no_such_person").json()["items"]
    assert len(unknown) == 10 and unknown[0]["user_id"] is None


def test_unknown_users_answer_in_the_time_known_ones_do(world):
    """Statistically, with a tolerance: the median failed sign-in of known users (each
    tried twice, far from its lock) against that of unknown names."""
    url = world.system.gateway + "/api/v1/auth/token"
    known = ["ua_power", "rev_ganzhou", "rev_linze", "ops", "worker", "finance"]
    spent = {"known": [], "unknown": []}
    for round_ in range(2):
        for index, name in enumerate(known):
            for kind, username in (("known", name), ("unknown", "ghost-%d-%d" % (round_, index))):
                started = time.perf_counter()
                answer = requests.post(url, json={"username": username,
                                                  "password": "not-the-password"}, timeout=10)
                spent[kind].append(time.perf_counter() - started)
                assert answer.status_code == 401
    ratio = statistics.median(spent["unknown"]) / statistics.median(spent["known"])
    assert 0.5 < ratio < 2.0, (ratio, spent)
    for name in known:
        token_of(world.system, name)  # a success clears their failures


def test_passwords_are_argon2id_and_old_scrypt_hashes_upgrade_at_sign_in(world):
    system = world.system
    engine = create_engine(system.database_url("gateway"))
    try:
        with engine.begin() as conn:
            stored = conn.execute(text("SELECT password_hash FROM users WHERE username = 'worker'"))
            assert stored.scalar().startswith("$argon2id$v=19$m=19456,t=2,p=1$")
            salt = b"0123456789abcdef"
            legacy = "scrypt$%s$%s" % (base64.b64encode(salt).decode(), base64.b64encode(
                hashlib.scrypt(b"old-scrypt-password", salt=salt, n=2 ** 14, r=8, p=1,
                               dklen=32)).decode())
            conn.execute(text("UPDATE users SET password_hash = :h WHERE username = 'ops'"),
                         {"h": legacy})
        token = token_of(system, "ops", "old-scrypt-password")
        with engine.connect() as conn:
            upgraded = conn.execute(text(
                "SELECT password_hash FROM users WHERE username = 'ops'")).scalar()
        assert upgraded.startswith("$argon2id$")
        assert status(system, token) == 200  # an upgrade is no credential change
        assert token_of(system, "ops", "old-scrypt-password")
        wrong = requests.post(system.gateway + "/api/v1/auth/token", timeout=10,
                              json={"username": "ops", "password": "not-it"})
        assert wrong.status_code == 401
    finally:
        with engine.begin() as conn:  # the world's password again, for the other tests
            conn.execute(text("UPDATE users SET password_hash = (SELECT password_hash FROM "
                              "users WHERE username = 'worker') WHERE username = 'ops'"))
        engine.dispose()


def test_role_changes_are_checked_and_take_effect(world):
    system = world.system
    admin = system.client()
    user_id = world.users["worker"]["id"]
    url = system.gateway + "/api/v1/users/%d" % user_id
    bad = admin.session.patch(url, json={"role": "county_reviewer"}, timeout=10)
    assert bad.status_code == 422 and "county" in bad.json()["error"]["details"]
    worker_token = token_of(system, "worker")
    assert status(system, worker_token, "/api/v1/activities") == 403
    changed = admin.session.patch(url, json={"role": "county_reviewer", "county": "甘州区"},
                                  timeout=10)
    assert changed.status_code == 200 and changed.json()["role"] == "county_reviewer"
    assert status(system, worker_token, "/api/v1/activities") == 401  # the old role's token
    assert status(system, token_of(system, "worker"), "/api/v1/activities") == 200
    me = admin.get("/api/v1/users/me").json()
    assert admin.session.patch(system.gateway + "/api/v1/users/%d" % me["id"],
                               json={"disabled": True}, timeout=10).status_code == 409
    listed = admin.get("/api/v1/users", role="county_reviewer").json()
    assert {"rev_ganzhou", "rev_linze", "worker"} <= {u["username"] for u in listed["items"]}


def test_the_audit_log_names_who_did_what_to_which_object(world):
    system = world.system
    union_id = world.unions["power"]["id"]
    from tests.support.world import activity_body
    activity = world.as_user("ua_power").post("/api/v1/activities", activity_body(union_id),
                                              ).json()
    world.as_user("rev_ganzhou").session.post(
        system.gateway + "/api/v1/activities/%d/approve" % activity["id"], json={},
        headers={"X-Request-ID": "audit-trace-1"}, timeout=10)
    entries = world.as_user("ops").get("/api/v1/audit", username="rev_ganzhou").json()["items"]
    approve = [e for e in entries if e["path"] == "/api/v1/activities/%d/approve" % activity["id"]]
    assert approve and approve[0]["request_id"] == "audit-trace-1"
    assert approve[0]["role"] == "county_reviewer" and approve[0]["status"] == 200
    created = world.as_user("ops").get("/api/v1/audit", path="/api/v1/activities",
                                       username="ua_power").json()["items"]
    assert str(activity["id"]) in {e["object_id"] for e in created}
    assert world.as_user("ua_power").get("/api/v1/audit").status_code == 403
    ops = world.as_user("ops")
    assert ops.get("/api/v1/audit", path="/api/v1/").json()["total"] > 0
    for wildcard in ("%", "/api/v1/%", "_", "/api/v1/activitie_"):  # literal, not LIKE's
        assert ops.get("/api/v1/audit", path=wildcard).json()["total"] == 0, wildcard


# an external identity provider ---------------------------------------------------------
class Jwks:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        body = json.dumps({"keys": [dict(public, kid="k1", use="sig", alg="RS256")]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/jwks.json" % self.server.server_port

    def token(self, key=None, **claims):
        now = int(time.time())
        body = {"iss": "https://idp.example", "aud": "culture-matrix", "iat": now,
                "exp": now + 60, "preferred_username": "ua_power"}
        body.update(claims)
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": "k1"})


def hmac_signed_with(key, claims):
    """Algorithm confusion: HS256 keyed with the provider's public key (PyJWT refuses to)."""
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=")
    signing_input = part({"alg": "HS256", "typ": "JWT", "kid": "k1"}) + b"." + part(claims)
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


@pytest.fixture
def idp():
    provider = Jwks()
    yield provider
    provider.server.shutdown()


def test_tokens_of_an_external_identity_provider(fresh_system, idp):
    system = fresh_system({"CM_OIDC_ISSUER": "https://idp.example",
                           "CM_OIDC_AUDIENCE": "culture-matrix", "CM_OIDC_JWKS_URL": idp.url})
    build_world(system)
    assert status(system, idp.token()) == 200
    me = requests.get(system.gateway + "/api/v1/users/me", timeout=10,
                      headers={"Authorization": "Bearer " + idp.token()}).json()
    assert me["username"] == "ua_power" and me["role"] == "union_admin"
    now = int(time.time())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = idp.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for token in [
        idp.token(aud="someone-else"),
        idp.token(iss="https://evil.example"),
        idp.token(exp=now - 5, iat=now - 100),
        idp.token(key=stranger),
        idp.token(preferred_username="nobody-here"),
        hmac_signed_with(public_pem, {"iss": "https://idp.example", "aud": "culture-matrix",
                                      "exp": now + 60, "preferred_username": "ua_power"}),
    ]:
        assert status(system, token) == 401
    assert status(system, token_of(system, ADMIN[0], ADMIN[1])) == 200  # ours still work
