"""Tests of the WGS 84 to ETRS-TM35FIN conversion and of the Finland bounds checks.

The projection is checked three ways: against published point pairs, against an
independent implementation in this file that integrates the meridian arc numerically
instead of using Krüger's series, and against the round trip.
"""

from __future__ import annotations

import cmath
import math
from pathlib import Path

import pytest

from devtools.ryhti_geojson import read_helsinki_rows
from tilaapp.domain.coordinates import (
    ETRS_TM35FIN,
    FINLAND_TM35_BOUNDS,
    FINLAND_WGS84_BOUNDS,
    TransverseMercator,
    in_finland_tm35,
    in_finland_wgs84,
    tm35fin_to_wgs84,
    wgs84_to_tm35fin,
)

HELSINKI_CSV = Path(__file__).parent / "data" / "ryhti_helsinki_sample.csv"

GRS80_SEMI_MAJOR_AXIS = 6_378_137.0
GRS80_INVERSE_FLATTENING = 298.257222101
# Mean radius of the Earth, to express small angles as distances on the ground.
EARTH_RADIUS = 6_371_000.0

# Point G4 (Geta) in the ETRS-TM35FIN example of JHS 197, appendix 3 ("Projektiolaskujen
# esimerkit"): EUREF-FIN latitude 60°23'06.38474", longitude 19°50'53.29237". The values
# are as the tests of several independent public implementations quote them alike.
GETA_LATITUDE = 60 + 23 / 60 + 6.38474 / 3600
GETA_LONGITUDE = 19 + 50 / 60 + 53.29237 / 3600
GETA_NORTH = 6_715_706.37708
GETA_EAST = 106_256.35961
# The inverse example of the same appendix starts from slightly different plane
# coordinates and gives the latitude and longitude in radians.
GETA_INVERSE_NORTH = 6_715_706.37705
GETA_INVERSE_EAST = 106_256.35958
GETA_INVERSE_LATITUDE_RADIANS = 1.053918934084532
GETA_INVERSE_LONGITUDE_RADIANS = 0.346415337004409

# The transverse Mercator example of IOGP Geomatics Guidance Note 7-2, September 2019
# edition, as public implementations quote it: British National Grid on the Airy 1830
# ellipsoid, 50°30' N 0°30' E. The result is printed to the centimetre. The May 2009
# edition, computed with another formula, printed 577274.99 and 69740.50.
BRITISH_NATIONAL_GRID = TransverseMercator(
    semi_major_axis=6_377_563.396,
    inverse_flattening=299.3249646,
    central_meridian=-2.0,
    scale_factor=0.9996012717,
    false_easting=400_000.0,
    false_northing=-100_000.0,
    latitude_of_origin=49.0,
)
IOGP_EAST = 577_274.98
IOGP_NORTH = 69_740.49

# Points across the bounding box of Finland, its corners included.
FINLAND_GRID = [
    (longitude, latitude)
    for longitude in (19.08, 20.0, 21.5, 23.0, 25.0, 27.0, 28.5, 30.0, 31.59)
    for latitude in (58.84, 60.0, 61.5, 63.0, 65.0, 67.0, 69.0, 70.09)
]


# An independent transverse Mercator: the conformal map of the complex isometric
# latitude ψ + iλ onto k₀ times the meridian arc, continued analytically. The northing is
# its real part and the easting its imaginary part. It shares no formula with Krüger's
# series: the latitude comes from Newton's method on the isometric latitude, and the arc
# from Simpson's rule along a straight path in the complex plane.


def _eccentricity_squared() -> float:
    flattening = 1 / GRS80_INVERSE_FLATTENING
    return flattening * (2 - flattening)


def _isometric_latitude(latitude: complex) -> complex:
    e = math.sqrt(_eccentricity_squared())
    return cmath.asinh(cmath.tan(latitude)) - e * cmath.atanh(e * cmath.sin(latitude))


def _latitude_of_isometric(isometric: complex) -> complex:
    e2 = _eccentricity_squared()
    latitude = cmath.atan(cmath.sinh(isometric))
    for _ in range(50):
        derivative = (1 - e2) / ((1 - e2 * cmath.sin(latitude) ** 2) * cmath.cos(latitude))
        step = (_isometric_latitude(latitude) - isometric) / derivative
        latitude -= step
        if abs(step) < 1e-16:
            break
    return latitude


def _meridian_arc(latitude: complex, intervals: int = 2000) -> complex:
    e2 = _eccentricity_squared()

    def integrand(point: complex) -> complex:
        return GRS80_SEMI_MAJOR_AXIS * (1 - e2) / (1 - e2 * cmath.sin(point) ** 2) ** 1.5

    step = latitude / intervals
    total = integrand(0) + integrand(latitude)
    for index in range(1, intervals):
        total += (4 if index % 2 else 2) * integrand(index * step)
    return total * step / 3


def independent_tm35fin(longitude: float, latitude: float) -> tuple[float, float]:
    isometric = complex(_isometric_latitude(math.radians(latitude)).real, 0)
    point = isometric + 1j * math.radians(longitude - 27.0)
    projected = 0.9996 * _meridian_arc(_latitude_of_isometric(point))
    return 500_000.0 + projected.imag, projected.real


def ground_distance(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Return the distance in metres between two nearby (longitude, latitude) points."""
    longitude_1, latitude_1 = first
    longitude_2, latitude_2 = second
    north = math.radians(latitude_2 - latitude_1) * EARTH_RADIUS
    east = math.radians(longitude_2 - longitude_1) * EARTH_RADIUS
    east *= math.cos(math.radians(latitude_1))
    return math.hypot(east, north)


# Published points


def test_forward_geta_example() -> None:
    east, north = wgs84_to_tm35fin(GETA_LONGITUDE, GETA_LATITUDE)

    assert east == pytest.approx(GETA_EAST, abs=0.0001)
    assert north == pytest.approx(GETA_NORTH, abs=0.0001)


def test_inverse_geta_example() -> None:
    longitude, latitude = tm35fin_to_wgs84(GETA_INVERSE_EAST, GETA_INVERSE_NORTH)

    assert math.radians(latitude) == pytest.approx(GETA_INVERSE_LATITUDE_RADIANS, abs=1e-12)
    assert math.radians(longitude) == pytest.approx(GETA_INVERSE_LONGITUDE_RADIANS, abs=1e-12)


def test_forward_iogp_example() -> None:
    east, north = BRITISH_NATIONAL_GRID.forward(0.5, 50.5)

    assert east == pytest.approx(IOGP_EAST, abs=0.005)
    assert north == pytest.approx(IOGP_NORTH, abs=0.005)


def test_inverse_iogp_example() -> None:
    longitude, latitude = BRITISH_NATIONAL_GRID.inverse(IOGP_EAST, IOGP_NORTH)

    assert ground_distance((longitude, latitude), (0.5, 50.5)) < 0.01


# Exact values of the definition


@pytest.mark.parametrize("latitude", [58.84, 60.0, 64.5, 70.09])
def test_forward_central_meridian_false_easting(latitude: float) -> None:
    east, _north = wgs84_to_tm35fin(27.0, latitude)

    assert east == 500_000.0


def test_forward_origin_zero_north() -> None:
    assert wgs84_to_tm35fin(27.0, 0.0) == (500_000.0, 0.0)


def test_inverse_false_easting_central_meridian() -> None:
    longitude, _latitude = tm35fin_to_wgs84(500_000.0, 6_900_000.0)

    assert longitude == 27.0


def test_forward_symmetric_about_central_meridian() -> None:
    west_east, west_north = wgs84_to_tm35fin(27.0 - 4.5, 63.0)
    east_east, east_north = wgs84_to_tm35fin(27.0 + 4.5, 63.0)

    assert west_east - 500_000.0 == pytest.approx(500_000.0 - east_east, abs=1e-6)
    assert west_north == pytest.approx(east_north, abs=1e-6)


# Independent implementation and round trip


@pytest.mark.parametrize(("longitude", "latitude"), FINLAND_GRID)
def test_forward_matches_meridian_arc_integration(longitude: float, latitude: float) -> None:
    expected_east, expected_north = independent_tm35fin(longitude, latitude)

    east, north = wgs84_to_tm35fin(longitude, latitude)

    assert east == pytest.approx(expected_east, abs=0.0001)
    assert north == pytest.approx(expected_north, abs=0.0001)


@pytest.mark.parametrize(("longitude", "latitude"), FINLAND_GRID)
def test_round_trip_from_degrees(longitude: float, latitude: float) -> None:
    east, north = wgs84_to_tm35fin(longitude, latitude)

    back = tm35fin_to_wgs84(east, north)

    assert ground_distance(back, (longitude, latitude)) < 1e-6


@pytest.mark.parametrize(
    ("east", "north"),
    [(50_000.0, 6_530_000.0), (385_000.0, 6_672_000.0), (760_000.0, 7_790_000.0)],
)
def test_round_trip_from_metres(east: float, north: float) -> None:
    longitude, latitude = tm35fin_to_wgs84(east, north)

    back_east, back_north = wgs84_to_tm35fin(longitude, latitude)

    assert back_east == pytest.approx(east, abs=1e-6)
    assert back_north == pytest.approx(north, abs=1e-6)


def test_forward_helsinki_sample_whole_metres() -> None:
    """The sample's WGS 84 points, given to 8 decimals, come out within 5 mm of whole metres.

    An error of a few centimetres in the projection would scatter them over the metre.
    """
    rows = read_helsinki_rows(HELSINKI_CSV)

    for row in rows:
        east, north = wgs84_to_tm35fin(float(row.longitude), float(row.latitude))
        assert abs(east - round(east)) < 0.005, row.rank
        assert abs(north - round(north)) < 0.005, row.rank


# Invalid input


@pytest.mark.parametrize(
    ("longitude", "latitude"),
    [(25.0, 90.5), (25.0, -91.0), (math.nan, 60.0), (25.0, math.inf)],
)
def test_forward_rejects_invalid_point(longitude: float, latitude: float) -> None:
    with pytest.raises(ValueError):
        wgs84_to_tm35fin(longitude, latitude)


def test_inverse_rejects_nan() -> None:
    with pytest.raises(ValueError):
        tm35fin_to_wgs84(math.nan, 6_700_000.0)


# Bounds


@pytest.mark.parametrize(
    ("longitude", "latitude", "inside"),
    [
        (24.94, 60.17, True),
        (19.08, 58.84, True),
        (31.59, 70.09, True),
        (19.07, 60.0, False),
        (31.6, 62.0, False),
        (25.0, 58.83, False),
        (25.0, 70.1, False),
        (60.17, 24.94, False),
        (0.0, 0.0, False),
    ],
)
def test_in_finland_wgs84_box(longitude: float, latitude: float, inside: bool) -> None:
    assert in_finland_wgs84(longitude, latitude) is inside


@pytest.mark.parametrize(
    ("east", "north", "inside"),
    [
        (385_800.0, 6_672_000.0, True),
        (43_000.0, 6_522_000.0, True),
        (765_000.0, 7_796_000.0, True),
        (42_999.0, 6_700_000.0, False),
        (765_001.0, 6_700_000.0, False),
        (400_000.0, 6_521_999.0, False),
        (400_000.0, 7_796_001.0, False),
        (6_672_000.0, 385_800.0, False),
    ],
)
def test_in_finland_tm35_box(east: float, north: float, inside: bool) -> None:
    assert in_finland_tm35(east, north) is inside


def _projected_box_edges() -> list[tuple[float, float]]:
    min_longitude, min_latitude, max_longitude, max_latitude = FINLAND_WGS84_BOUNDS
    steps = 400
    points = []
    for index in range(steps + 1):
        share = index / steps
        longitude = min_longitude + (max_longitude - min_longitude) * share
        latitude = min_latitude + (max_latitude - min_latitude) * share
        points += [
            (longitude, min_latitude),
            (longitude, max_latitude),
            (min_longitude, latitude),
            (max_longitude, latitude),
        ]
    return [wgs84_to_tm35fin(longitude, latitude) for longitude, latitude in points]


def test_tm35_box_contains_projected_wgs84_box() -> None:
    projected = _projected_box_edges()

    assert all(in_finland_tm35(east, north) for east, north in projected)


def test_tm35_box_within_kilometre_of_projection() -> None:
    projected = _projected_box_edges()
    min_east, min_north, max_east, max_north = FINLAND_TM35_BOUNDS

    assert min(east for east, _ in projected) - min_east < 1000
    assert min(north for _, north in projected) - min_north < 1000
    assert max_east - max(east for east, _ in projected) < 1000
    assert max_north - max(north for _, north in projected) < 1000


def test_etrs_tm35fin_parameters() -> None:
    assert (
        ETRS_TM35FIN.semi_major_axis,
        ETRS_TM35FIN.inverse_flattening,
        ETRS_TM35FIN.central_meridian,
        ETRS_TM35FIN.scale_factor,
        ETRS_TM35FIN.false_easting,
        ETRS_TM35FIN.false_northing,
    ) == (GRS80_SEMI_MAJOR_AXIS, GRS80_INVERSE_FLATTENING, 27.0, 0.9996, 500_000.0, 0.0)
