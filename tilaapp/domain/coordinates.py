"""Conversion between WGS 84 longitude/latitude and ETRS-TM35FIN (EPSG:3067) east/north.

ETRS-TM35FIN is the transverse Mercator projection on the GRS80 ellipsoid with central
meridian 27° E, scale factor 0.9996, false easting 500,000 m and false northing 0. JHS 154
and its successor JHS 197, the Finnish public-administration recommendations on ETRS89
coordinate systems, define it. The projection is computed with Krüger's series in the
third flattening n, to the sixth order. tests/test_coordinates.py checks it against
published points and against a numerical integration of the meridian arc, with which it
agrees to 0.1 mm inside Finland.

WGS 84 coordinates are taken as ETRS89 coordinates without a datum shift. The two frames
drift apart by roughly 2.5 cm a year, so in the 2020s they differ by under a metre in
Finland, which is finer than the location of a building point. Ryhti's own WGS 84 points
are converted the same way: the Helsinki test sample comes back to whole metres within
5 mm.
"""

from __future__ import annotations

import cmath
import math

# Bounding box of Finland in degrees, onshore and offshore: the area of use of
# ETRS-TM35FIN (EPSG:3067) in the EPSG Geodetic Parameter Dataset.
FINLAND_WGS84_BOUNDS: tuple[float, float, float, float] = (19.08, 58.84, 31.59, 70.09)
"""(minimum longitude, minimum latitude, maximum longitude, maximum latitude)."""

# The ETRS-TM35FIN extremes of the edges of FINLAND_WGS84_BOUNDS, rounded outwards to
# whole kilometres. tests/test_coordinates.py recomputes them from the degree box.
FINLAND_TM35_BOUNDS: tuple[float, float, float, float] = (
    43_000.0,
    6_522_000.0,
    765_000.0,
    7_796_000.0,
)
"""(minimum east, minimum north, maximum east, maximum north), in metres."""

_SERIES_ORDER = 6
_NEWTON_ITERATIONS = 8


class TransverseMercator:
    """A transverse Mercator projection (EPSG method 9807) on an ellipsoid.

    Angles are in degrees, lengths in metres, and longitudes east of Greenwich are
    positive. ``forward`` takes (longitude, latitude) and returns (east, north);
    ``inverse`` does the reverse.
    """

    def __init__(
        self,
        *,
        semi_major_axis: float,
        inverse_flattening: float,
        central_meridian: float,
        scale_factor: float,
        false_easting: float,
        false_northing: float,
        latitude_of_origin: float = 0.0,
    ) -> None:
        self.semi_major_axis = semi_major_axis
        self.inverse_flattening = inverse_flattening
        self.central_meridian = central_meridian
        self.scale_factor = scale_factor
        self.false_easting = false_easting
        self.false_northing = false_northing
        self.latitude_of_origin = latitude_of_origin

        flattening = 1.0 / inverse_flattening
        self._eccentricity = math.sqrt(flattening * (2.0 - flattening))
        n = flattening / (2.0 - flattening)
        self._alpha = _forward_coefficients(n)
        self._beta = _inverse_coefficients(n)
        # The rectifying radius A: the meridian arc from the equator to latitude φ is A
        # times the rectifying latitude of φ.
        rectifying_radius = semi_major_axis / (1.0 + n) * (1.0 + n**2 / 4 + n**4 / 64 + n**6 / 256)
        self._scaled_radius = scale_factor * rectifying_radius
        self._origin_xi = self._gauss_krueger(
            math.atan(self._conformal_tan(math.tan(math.radians(latitude_of_origin)))), 0.0
        ).real

    def forward(self, longitude: float, latitude: float) -> tuple[float, float]:
        """Project a point to (east, north). Raises ValueError for an impossible latitude."""
        _check_finite(longitude, latitude)
        if abs(latitude) > 90.0:
            raise ValueError(f"latitude {latitude} is outside -90 to 90 degrees")

        tan_conformal = self._conformal_tan(math.tan(math.radians(latitude)))
        delta_longitude = math.radians(longitude - self.central_meridian)
        cos_delta = math.cos(delta_longitude)
        xi_spherical = math.atan2(tan_conformal, cos_delta)
        eta_spherical = math.asinh(math.sin(delta_longitude) / math.hypot(tan_conformal, cos_delta))

        zeta = self._gauss_krueger(xi_spherical, eta_spherical)
        east = self.false_easting + self._scaled_radius * zeta.imag
        north = self.false_northing + self._scaled_radius * (zeta.real - self._origin_xi)
        return east, north

    def inverse(self, east: float, north: float) -> tuple[float, float]:
        """Return the (longitude, latitude) of a projected point."""
        _check_finite(east, north)
        xi = (north - self.false_northing) / self._scaled_radius + self._origin_xi
        eta = (east - self.false_easting) / self._scaled_radius

        zeta = complex(xi, eta)
        zeta_spherical = zeta
        for order, coefficient in enumerate(self._beta, start=1):
            zeta_spherical -= coefficient * cmath.sin(2 * order * zeta)

        xi_spherical, eta_spherical = zeta_spherical.real, zeta_spherical.imag
        sinh_eta = math.sinh(eta_spherical)
        cos_xi = math.cos(xi_spherical)
        tan_conformal = math.sin(xi_spherical) / math.hypot(sinh_eta, cos_xi)
        latitude = math.atan(self._geodetic_tan(tan_conformal))
        delta_longitude = math.atan2(sinh_eta, cos_xi)
        return self.central_meridian + math.degrees(delta_longitude), math.degrees(latitude)

    def _gauss_krueger(self, xi_spherical: float, eta_spherical: float) -> complex:
        """Map the transverse Mercator coordinates on the conformal sphere to the ellipsoid's."""
        zeta_spherical = complex(xi_spherical, eta_spherical)
        zeta = zeta_spherical
        for order, coefficient in enumerate(self._alpha, start=1):
            zeta += coefficient * cmath.sin(2 * order * zeta_spherical)
        return zeta

    def _conformal_tan(self, tan_latitude: float) -> float:
        """Return the tangent of the conformal latitude for the tangent of a geodetic one."""
        e = self._eccentricity
        sigma = math.sinh(e * math.atanh(e * tan_latitude / math.hypot(1.0, tan_latitude)))
        return tan_latitude * math.hypot(1.0, sigma) - sigma * math.hypot(1.0, tan_latitude)

    def _geodetic_tan(self, tan_conformal: float) -> float:
        """Invert ``_conformal_tan`` by Newton's method, which converges in a few steps."""
        one_minus_e2 = 1.0 - self._eccentricity**2
        tan_latitude = tan_conformal
        for _ in range(_NEWTON_ITERATIONS):
            estimate = self._conformal_tan(tan_latitude)
            step = (
                (tan_conformal - estimate)
                / math.hypot(1.0, estimate)
                * (1.0 + one_minus_e2 * tan_latitude**2)
                / (one_minus_e2 * math.hypot(1.0, tan_latitude))
            )
            tan_latitude += step
            if abs(step) <= 1e-15 * max(1.0, abs(tan_latitude)):
                break
        return tan_latitude


def _forward_coefficients(n: float) -> tuple[float, ...]:
    """Return Krüger's α₁…α₆ of the forward series for the third flattening ``n``."""
    coefficients = (
        n / 2
        - 2 * n**2 / 3
        + 5 * n**3 / 16
        + 41 * n**4 / 180
        - 127 * n**5 / 288
        + 7891 * n**6 / 37800,
        13 * n**2 / 48
        - 3 * n**3 / 5
        + 557 * n**4 / 1440
        + 281 * n**5 / 630
        - 1983433 * n**6 / 1935360,
        61 * n**3 / 240 - 103 * n**4 / 140 + 15061 * n**5 / 26880 + 167603 * n**6 / 181440,
        49561 * n**4 / 161280 - 179 * n**5 / 168 + 6601661 * n**6 / 7257600,
        34729 * n**5 / 80640 - 3418889 * n**6 / 1995840,
        212378941 * n**6 / 319334400,
    )
    assert len(coefficients) == _SERIES_ORDER
    return coefficients


def _inverse_coefficients(n: float) -> tuple[float, ...]:
    """Return Krüger's β₁…β₆ of the inverse series for the third flattening ``n``."""
    coefficients = (
        n / 2
        - 2 * n**2 / 3
        + 37 * n**3 / 96
        - n**4 / 360
        - 81 * n**5 / 512
        + 96199 * n**6 / 604800,
        n**2 / 48 + n**3 / 15 - 437 * n**4 / 1440 + 46 * n**5 / 105 - 1118711 * n**6 / 3870720,
        17 * n**3 / 480 - 37 * n**4 / 840 - 209 * n**5 / 4480 + 5569 * n**6 / 90720,
        4397 * n**4 / 161280 - 11 * n**5 / 504 - 830251 * n**6 / 7257600,
        4583 * n**5 / 161280 - 108847 * n**6 / 3991680,
        20648693 * n**6 / 638668800,
    )
    assert len(coefficients) == _SERIES_ORDER
    return coefficients


def _check_finite(first: float, second: float) -> None:
    if not (math.isfinite(first) and math.isfinite(second)):
        raise ValueError(f"coordinates ({first}, {second}) are not finite numbers")


ETRS_TM35FIN = TransverseMercator(
    semi_major_axis=6_378_137.0,
    inverse_flattening=298.257222101,
    central_meridian=27.0,
    scale_factor=0.9996,
    false_easting=500_000.0,
    false_northing=0.0,
)
"""ETRS-TM35FIN (EPSG:3067) on the GRS80 ellipsoid."""


def wgs84_to_tm35fin(longitude: float, latitude: float) -> tuple[float, float]:
    """Convert WGS 84 degrees to ETRS-TM35FIN (east, north) in metres."""
    return ETRS_TM35FIN.forward(longitude, latitude)


def tm35fin_to_wgs84(east: float, north: float) -> tuple[float, float]:
    """Convert ETRS-TM35FIN metres to WGS 84 (longitude, latitude) in degrees."""
    return ETRS_TM35FIN.inverse(east, north)


def in_finland_wgs84(longitude: float, latitude: float) -> bool:
    """Return whether a point lies in ``FINLAND_WGS84_BOUNDS``, edges included.

    The box is a plausibility check, not the border: it also covers parts of Sweden,
    Norway, Russia, Estonia and the sea.
    """
    min_longitude, min_latitude, max_longitude, max_latitude = FINLAND_WGS84_BOUNDS
    return min_longitude <= longitude <= max_longitude and min_latitude <= latitude <= max_latitude


def in_finland_tm35(east: float, north: float) -> bool:
    """Return whether a point lies in ``FINLAND_TM35_BOUNDS``, edges included.

    The box contains the whole of ``FINLAND_WGS84_BOUNDS`` after projection, so at its
    corners it reaches a little further than the degree box.
    """
    min_east, min_north, max_east, max_north = FINLAND_TM35_BOUNDS
    return min_east <= east <= max_east and min_north <= north <= max_north
