"""The client address behind proxies: X-Forwarded-For only from trusted proxies, right to left."""

from handoff.security.addresses import client_address, parse_networks

TRUSTED = parse_networks(["10.0.0.0/8", "fd00::/8"])


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert client_address("198.51.100.2", "1.2.3.4", TRUSTED) == "198.51.100.2"
    assert client_address("198.51.100.2", None, ()) == "198.51.100.2"


def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() -> None:
    # The client forged "1.2.3.4"; the proxies appended what they saw.
    assert client_address("10.0.0.5", "1.2.3.4, 203.0.113.9, 10.0.0.7", TRUSTED) == "203.0.113.9"
    assert client_address("10.0.0.5", "203.0.113.9", TRUSTED) == "203.0.113.9"


def test_only_trusted_hops_leaves_the_left_most_of_them() -> None:
    assert client_address("10.0.0.5", "10.1.1.1, 10.0.0.7", TRUSTED) == "10.1.1.1"


def test_a_garbled_hop_stops_the_walk_at_the_last_good_one() -> None:
    assert client_address("10.0.0.5", "203.0.113.9, junk, 10.0.0.7", TRUSTED) == "10.0.0.7"


def test_ipv6_clients_are_keyed_by_their_slash_64_and_mapped_ipv4_as_ipv4() -> None:
    assert client_address("2001:db8:1:2:aaaa::1", None, ()) == "2001:db8:1:2::/64"
    assert client_address("2001:db8:1:2:bbbb::9", None, ()) == "2001:db8:1:2::/64"
    assert client_address("::ffff:198.51.100.2", None, ()) == "198.51.100.2"
    assert client_address("fd00::1", "[2001:db8::5]", TRUSTED) == "2001:db8::/64"


def test_no_peer_is_one_unknown_client() -> None:
    assert client_address(None, "1.2.3.4", TRUSTED) == "-"
