"""The origin check: the allow-list, and always the service's own origin."""

from handoff.edges.origins import AllowListAndOwnOrigin, origin_check


def environ(host: str, scheme: str = "http", **extra: str) -> dict[str, object]:
    return {"HTTP_HOST": host, "wsgi.url_scheme": scheme, "asgi.scope": {"scheme": "ws"}, **extra}


def test_listed_origins_and_the_services_own_are_allowed() -> None:
    check = AllowListAndOwnOrigin(["https://shop.example"])
    assert check("https://shop.example", environ("chat.example:8000"))
    assert check("http://chat.example:8000", environ("chat.example:8000"))  # its /console
    assert not check("https://evil.example", environ("chat.example:8000"))
    assert not check("http://chat.example:8000", environ("other.example:8000"))
    assert not check(None, environ("chat.example:8000"))
    assert not check("http://chat.example", {})  # no Host: nothing is "own"


def test_own_origin_behind_a_tls_proxy() -> None:
    check = AllowListAndOwnOrigin(["https://shop.example"])
    proxied = environ("chat.example", HTTP_X_FORWARDED_PROTO="https")
    assert check("https://chat.example", proxied)
    direct_tls = {"HTTP_HOST": "chat.example", "asgi.scope": {"scheme": "wss"}}
    assert check("https://chat.example", direct_tls)
    renamed = environ("10.0.0.5:8000", HTTP_X_FORWARDED_HOST="chat.example, 10.0.0.1")
    assert check("http://chat.example", renamed)


def test_what_python_socketio_is_given() -> None:
    assert origin_check(None) is None  # its own same-origin check
    assert origin_check("*") == "*"
    listed = origin_check(["https://shop.example"])
    assert isinstance(listed, AllowListAndOwnOrigin)
    assert listed.allowed == {"https://shop.example"}
