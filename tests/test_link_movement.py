"""Movement: ordered city stays, distance travelled, and circuits, on hand-built timelines."""

from __future__ import annotations

from safeharbor.link.movement import Stay, circuits, distance_travelled, stays_from

COORDS = {
    "Dallas": (32.78, -96.80),
    "Austin": (30.27, -97.74),
    "Houston": (29.76, -95.37),
    "San Antonio": (29.42, -98.49),
}


def visits(
    seq: list[tuple[str, int]],
) -> list[tuple[str, str | None, str | None, float | None, float | None]]:
    """(city, day) -> visit tuples, deliberately given out of order."""
    out = []
    for city, day in seq:
        lat, lon = COORDS[city]
        out.append((f"2026-09-{day:02d}T12:00:00Z", city, "TX", lat, lon))
    return list(reversed(out))


def test_stays_follow_time_order_and_merge_consecutive_ads_in_one_city() -> None:
    stays = stays_from(
        visits([("Dallas", 1), ("Dallas", 2), ("Austin", 4), ("Houston", 6), ("Houston", 7), ("Dallas", 9)])
    )
    assert [s.city for s in stays] == ["Dallas", "Austin", "Houston", "Dallas"]
    assert [s.ads for s in stays] == [2, 1, 2, 1]
    assert stays[0].first_seen == "2026-09-01T12:00:00Z" and stays[0].last_seen == "2026-09-02T12:00:00Z"
    assert stays[2].first_seen == "2026-09-06T12:00:00Z"


def test_unplaced_ads_are_skipped_and_do_not_split_a_stay() -> None:
    seq = visits([("Dallas", 1), ("Dallas", 3)]) + [("2026-09-02T00:00:00Z", None, None, None, None)]
    stays = stays_from(seq)
    assert len(stays) == 1 and stays[0].ads == 2


def test_distance_sums_legs_between_consecutive_stays() -> None:
    stays = stays_from(visits([("Dallas", 1), ("Austin", 2), ("Dallas", 3)]))
    leg = distance_travelled(stays[:2])
    assert 280 < leg < 320  # Dallas-Austin is about 300 km as the crow flies
    assert abs(distance_travelled(stays) - 2 * leg) < 0.5


def test_a_loop_gone_round_twice_is_a_circuit() -> None:
    seq = ["Dallas", "Austin", "Houston", "San Antonio"] * 2 + ["Dallas"]
    stays = stays_from(visits([(c, i + 1) for i, c in enumerate(seq)]))
    found = circuits(stays)
    assert len(found) == 1
    assert found[0].cities == ("Dallas, TX", "Austin, TX", "Houston, TX", "San Antonio, TX", "Dallas, TX")
    assert found[0].loops == 2


def test_loops_separated_by_a_detour_still_count_and_one_way_trips_do_not() -> None:
    seq = ["Dallas", "Austin", "Dallas", "Houston", "San Antonio", "Dallas", "Austin", "Dallas"]
    found = circuits(stays_from(visits([(c, i + 1) for i, c in enumerate(seq)])))
    assert [(c.cities, c.loops) for c in found] == [(("Dallas, TX", "Austin, TX", "Dallas, TX"), 2)]
    one_way = stays_from(visits([("Dallas", 1), ("Austin", 2), ("Houston", 3), ("San Antonio", 4)]))
    assert circuits(one_way) == []


def test_stay_export_has_contract_fields() -> None:
    stay = Stay("Dallas", "TX", 32.78, -96.8, "2026-09-01T00:00:00Z", "2026-09-02T00:00:00Z", 3)
    assert stay.as_export() == {
        "city": "Dallas",
        "state": "TX",
        "first_seen": "2026-09-01T00:00:00Z",
        "last_seen": "2026-09-02T00:00:00Z",
        "ads": 3,
    }
