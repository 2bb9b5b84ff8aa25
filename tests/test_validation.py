"""Rules of local values, typed and as typed into a form in Finnish, Swedish or English."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from tilaapp import i18n
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import ALL_FIELDS, FieldKind
from tilaapp.domain.validation import (
    DECIMAL_RANGES,
    EDITABLE_FIELDS,
    INTEGER_RANGES,
    YEAR_FIELDS,
    FieldNotEditable,
    UnknownField,
    ValidationError,
    ValidationResult,
    is_editable,
    parse_local_input,
    validate_value,
)

TODAY = datetime.date(2025, 6, 15)


def check(field: str, value: Any) -> ValidationResult:
    return validate_value(field, value, today=TODAY)


def parse(field: str, text: str, language: str = "fi") -> ValidationResult:
    return parse_local_input(field, text, language, today=TODAY)


# ------------------------------------------------------------------ catalogue


def test_rules_cover_every_number_field() -> None:
    number_kinds = (FieldKind.DECIMAL, FieldKind.MONEY, FieldKind.INTEGER)
    numbers = {s.name for s in ALL_FIELDS if s.kind in number_kinds and is_editable(s.name)}
    covered = set(DECIMAL_RANGES) | set(INTEGER_RANGES) | set(YEAR_FIELDS)
    assert numbers == covered


def test_unknown_field_raises() -> None:
    with pytest.raises(UnknownField) as raised:
        check("colour", "red")
    assert raised.value.field == "colour"


@pytest.mark.parametrize("field", ["building_status", "old_building_identifier", "open_use_class"])
def test_register_only_field_raises(field: str) -> None:
    with pytest.raises(FieldNotEditable):
        check(field, "1")


def test_register_only_field_not_editable() -> None:
    assert "coordinate_accuracy" not in EDITABLE_FIELDS


def test_local_only_field_editable() -> None:
    assert is_editable("condition_class")


@pytest.mark.parametrize("field", ["gross_floor_area", "local_name", "completion_date"])
def test_none_is_valid(field: str) -> None:
    result = check(field, None)
    assert result.ok
    assert result.value is None


def test_checked_value_raises_validation_error() -> None:
    result = check("number_of_storeys", 61)
    with pytest.raises(ValidationError) as raised:
        result.checked_value()
    assert raised.value.field == "number_of_storeys"
    assert raised.value.message == result.message


def test_validation_error_text_has_no_value() -> None:
    error = ValidationError("condition_assessor", "Assessor: a message")
    assert str(error) == "invalid value for field 'condition_assessor'"


# ------------------------------------------------------------------ areas and volume


@pytest.mark.parametrize("field", ["gross_floor_area", "total_area", "floor_area", "basement_area"])
def test_area_bounds(field: str) -> None:
    assert check(field, Decimal(0)).ok
    assert check(field, Decimal(500_000)).ok
    assert not check(field, Decimal("500000.001")).ok
    assert not check(field, Decimal("-0.5")).ok


def test_area_message_names_range() -> None:
    message = check("gross_floor_area", Decimal(-1)).message
    assert message == (
        "Gross floor area: enter a number from 0 to 500,000 m², with at most 3 decimals."
    )


def test_area_three_decimals() -> None:
    assert check("floor_area", Decimal("12.345")).ok
    assert not check("floor_area", Decimal("12.3456")).ok


def test_area_trailing_zeros_accepted() -> None:
    result = check("floor_area", Decimal("12.3450000"))
    assert result.value == Decimal("12.345")


def test_area_int_becomes_decimal() -> None:
    result = check("gross_floor_area", 2450)
    assert result.value == Decimal(2450)
    assert isinstance(result.value, Decimal)


def test_area_negative_zero_becomes_zero() -> None:
    result = check("gross_floor_area", Decimal("-0"))
    assert str(result.value) == "0"


@pytest.mark.parametrize("value", [1.5, True, "12", Decimal("NaN"), Decimal("Infinity")])
def test_area_rejects_other_types(value: object) -> None:
    assert not check("gross_floor_area", value).ok


def test_volume_bounds() -> None:
    assert check("volume", Decimal(2_000_000)).ok
    assert not check("volume", Decimal(2_000_001)).ok


def test_volume_message_unit() -> None:
    message = check("volume", Decimal(-1)).message
    assert message is not None
    assert "2,000,000 m³" in message


def test_coordinate_inside_finland() -> None:
    assert check("coordinate_north", Decimal(6_762_100)).ok
    assert not check("coordinate_north", Decimal(100)).ok
    assert not check("coordinate_east", Decimal(6_762_100)).ok


# ------------------------------------------------------------------ counts and classes


def test_storeys_bounds() -> None:
    assert check("number_of_storeys", 0).ok
    assert check("number_of_storeys", 60).ok
    assert not check("number_of_storeys", 61).ok
    assert not check("number_of_storeys", -1).ok


def test_storeys_message_names_range() -> None:
    message = check("number_of_storeys", 61).message
    assert message == "Number of storeys: enter a whole number from 0 to 60."


@pytest.mark.parametrize("field", ["apartment_count", "sauna_count", "number_of_users"])
def test_count_not_negative(field: str) -> None:
    assert check(field, 0).ok
    assert not check(field, -1).ok


def test_count_rejects_bool() -> None:
    assert not check("sauna_count", True).ok


def test_count_integral_decimal_becomes_int() -> None:
    result = check("apartment_count", Decimal("12.0"))
    assert result.value == 12
    assert isinstance(result.value, int)


def test_count_rejects_fraction() -> None:
    assert not check("apartment_count", Decimal("12.5")).ok


@pytest.mark.parametrize(("value", "ok"), [(0, False), (1, True), (5, True), (6, False)])
def test_condition_class_range(value: int, ok: bool) -> None:
    assert check("condition_class", value).ok is ok


def test_condition_class_message() -> None:
    message = check("condition_class", 6).message
    assert message == "Condition class: enter a whole number from 1 to 5."


def test_utilisation_rate_range() -> None:
    assert check("utilisation_rate", Decimal("100")).ok
    assert check("utilisation_rate", Decimal("37.5")).ok
    assert not check("utilisation_rate", Decimal("100.1")).ok


def test_utilisation_rate_message() -> None:
    message = check("utilisation_rate", Decimal(101)).message
    assert message is not None
    assert "from 0 to 100 %" in message


# ------------------------------------------------------------------ money


@pytest.mark.parametrize(
    "field",
    ["acquisition_cost", "replacement_cost", "maintenance_cost_per_year", "rental_income_per_year"],
)
def test_money_rules(field: str) -> None:
    assert check(field, Decimal("1234.50")).ok
    assert not check(field, Decimal("-0.01")).ok
    assert not check(field, Decimal("1.005")).ok


def test_money_message_two_decimals() -> None:
    message = check("acquisition_cost", Decimal("1.005")).message
    assert message is not None
    assert "with at most 2 decimals" in message


# ------------------------------------------------------------------ years


def test_acquisition_year_up_to_this_year() -> None:
    assert check("acquisition_year", 2025).ok
    assert not check("acquisition_year", 2026).ok
    assert not check("acquisition_year", 1499).ok


def test_acquisition_year_message() -> None:
    message = check("acquisition_year", 2026).message
    assert message == "Acquisition year: enter a year from 1500 to 2025."


def test_target_year_fifty_years_ahead() -> None:
    assert check("strategy_target_year", 2075).ok
    assert not check("strategy_target_year", 2076).ok


def test_target_year_message() -> None:
    message = check("strategy_target_year", 2076).message
    assert message == "Strategy target year: enter a year from 1500 to 2075."


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize("field", ["completion_date", "condition_date"])
def test_date_not_in_future(field: str) -> None:
    assert check(field, PartialDate(2025, 6, 15)).ok
    assert not check(field, PartialDate(2025, 6, 16)).ok


def test_partial_date_of_this_month_accepted() -> None:
    assert check("completion_date", PartialDate(2025, 6)).ok
    assert check("completion_date", PartialDate(2025)).ok


def test_partial_date_of_next_month_rejected() -> None:
    assert not check("completion_date", PartialDate(2025, 7)).ok


def test_date_before_1500_rejected() -> None:
    assert not check("completion_date", PartialDate(1499)).ok


def test_date_message_names_range() -> None:
    message = check("condition_date", PartialDate(2030)).message
    assert message == (
        "Condition assessment date: enter a date from the year 1500 up to today, 15/06/2025."
    )


def test_date_accepts_calendar_date() -> None:
    result = check("completion_date", datetime.date(2020, 2, 1))
    assert result.value == PartialDate(2020, 2, 1)


def test_date_rejects_text() -> None:
    assert not check("completion_date", "2020-02-01").ok


# ------------------------------------------------------------------ codes


def test_code_in_local_list() -> None:
    assert check("heating_method", "01").ok
    assert not check("heating_method", "42").ok


def test_code_message_lists_short_list() -> None:
    message = check("strategy", "sell").message
    assert message == (
        "Strategy: sell is not in the field's code list. Allowed codes: keep, develop, dispose."
    )


def test_code_message_long_list() -> None:
    message = check("building_class_2018", "9999").message
    assert message == (
        "Building class (2018): 9999 is not in the field's code list. Choose a code from the list."
    )


def test_code_leading_zero_restored() -> None:
    assert check("building_class_2018", "110").value == "0110"


def test_municipality_code_in_list() -> None:
    assert check("municipality_number", "398").ok
    assert not check("municipality_number", "999").ok


def test_municipality_code_padded() -> None:
    assert check("municipality_number", "91").value == "091"


def test_code_rejects_number() -> None:
    assert not check("heating_method", 1).ok


def test_unknown_use_class_rejected() -> None:
    assert not check("use_class_1994", "998").ok


# ------------------------------------------------------------------ text


def test_text_trimmed() -> None:
    assert check("local_name", "  Koulumäen koulu ").value == "Koulumäen koulu"


def test_blank_text_is_not_set() -> None:
    result = check("local_name", "   ")
    assert result.ok
    assert result.value is None


def test_text_length_limit() -> None:
    assert check("local_name", "a" * 200).ok
    assert not check("local_name", "a" * 201).ok


def test_text_length_message() -> None:
    message = check("municipal_service", "a" * 201).message
    assert message == "Municipal service: enter at most 200 characters (the text has 201)."


def test_notes_length_limit() -> None:
    assert check("notes", "a" * 10_000).ok
    assert not check("notes", "a" * 10_001).ok


def test_notes_keep_line_breaks() -> None:
    assert check("notes", "first\r\nsecond").value == "first\nsecond"


def test_name_rejects_line_break() -> None:
    assert not check("local_name", "first\nsecond").ok


def test_text_rejects_number() -> None:
    assert not check("local_name", 12).ok


def test_postal_code_five_digits() -> None:
    assert check("postal_code", "00100").ok
    assert not check("postal_code", "0010").ok
    assert not check("postal_code", "ABCDE").ok


def test_property_identifier_long_form() -> None:
    assert check("property_identifier", "5-401-5-1129").value == "00540100051129"


def test_property_identifier_rejects_parcel() -> None:
    assert not check("property_identifier", "5-401-5-1129-M1").ok


def test_parcel_identifier_needs_parcel() -> None:
    assert check("unseparated_parcel_identifier", "5-401-5-1129-M1").value == (
        "00540100051129M0001"
    )
    assert not check("unseparated_parcel_identifier", "5-401-5-1129").ok


def test_property_identifier_malformed() -> None:
    message = check("property_identifier", "12-34").message
    assert message is not None
    assert message.startswith("Property identifier: invalid property identifier")


def test_boolean_field() -> None:
    assert check("has_elevator", True).value is True
    assert not check("has_elevator", 1).ok


# ------------------------------------------------------------------ form input


def test_parse_empty_is_not_set() -> None:
    result = parse("gross_floor_area", "  ")
    assert result.ok
    assert result.value is None


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_parse_decimal_comma(language: str) -> None:
    assert parse("gross_floor_area", "1 234,5", language).value == Decimal("1234.5")


def test_parse_no_break_space_groups() -> None:
    assert parse("gross_floor_area", "1\u00a0234,5").value == Decimal("1234.5")


def test_parse_english_grouping() -> None:
    assert parse("gross_floor_area", "1,234.5", "en").value == Decimal("1234.5")


def test_parse_english_decimal_comma() -> None:
    assert parse("gross_floor_area", "1,5", "en").value == Decimal("1.5")


def test_parse_unit_removed() -> None:
    assert parse("gross_floor_area", "120 m²").value == Decimal(120)
    assert parse("volume", "480 m3").value == Decimal(480)


def test_parse_money_finnish() -> None:
    assert parse("acquisition_cost", "1 234,50 €").value == Decimal("1234.50")


def test_parse_money_english() -> None:
    assert parse("acquisition_cost", "€1,234.50", "en").value == Decimal("1234.50")


def test_parse_percent() -> None:
    assert parse("utilisation_rate", "85 %").value == Decimal(85)


def test_parse_number_out_of_range() -> None:
    result = parse("number_of_storeys", "61")
    assert result.message == "Number of storeys: enter a whole number from 0 to 60."


def test_parse_integer_with_fraction() -> None:
    assert not parse("apartment_count", "2,5").ok


def test_parse_integer() -> None:
    assert parse("apartment_count", "12").value == 12


def test_parse_year() -> None:
    assert parse("acquisition_year", "1998").value == 1998


def test_parse_not_a_number() -> None:
    message = parse("gross_floor_area", "paljon").message
    assert message == (
        "Gross floor area: enter a number from 0 to 500,000 m², with at most 3 decimals."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.2020", PartialDate(2020, 2, 1)),
        ("01.02.2020", PartialDate(2020, 2, 1)),
        ("8.1962", PartialDate(1962, 8)),
        ("1962", PartialDate(1962)),
        ("2020-02-01", PartialDate(2020, 2, 1)),
        ("1962-08", PartialDate(1962, 8)),
    ],
)
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_parse_date_forms(language: str, text: str, expected: PartialDate) -> None:
    assert parse("completion_date", text, language).value == expected


def test_parse_english_day_first() -> None:
    assert parse("completion_date", "1/2/2020", "en").value == PartialDate(2020, 2, 1)


def test_parse_english_month_slash() -> None:
    assert parse("completion_date", "8/1962", "en").value == PartialDate(1962, 8)


def test_parse_slash_date_finnish_rejected() -> None:
    assert not parse("completion_date", "2/1/2020", "fi").ok


def test_parse_nonexistent_day() -> None:
    result = parse("completion_date", "31.2.2020")
    assert result.message == "Completion date: the month 02/2020 has no day 31."


def test_parse_future_date() -> None:
    assert not parse("condition_date", "1.1.2026").ok


@pytest.mark.parametrize(("text", "expected"), [("kyllä", True), ("ei", False), ("nej", False)])
def test_parse_boolean(text: str, expected: bool) -> None:
    assert parse("has_elevator", text).value is expected


def test_parse_boolean_unknown_word() -> None:
    assert parse("has_elevator", "ehkä").message == "Elevator: choose yes or no."


def test_parse_code() -> None:
    assert parse("building_class_2018", " 110 ").value == "0110"


def test_parse_text_trimmed() -> None:
    assert parse("local_name", " Kirjasto ").value == "Kirjasto"


def test_parse_unknown_language() -> None:
    with pytest.raises(ValueError):
        parse("gross_floor_area", "1", "de")


def test_message_in_finnish_formats_numbers() -> None:
    i18n.set_language("fi")
    message = check("gross_floor_area", Decimal(-1)).message
    assert message is not None
    assert "500\u00a0000" in message


@pytest.mark.parametrize(
    ("language", "month"), [("fi", "2.2020"), ("sv", "2.2020"), ("en", "02/2020")]
)
def test_missing_day_named_in_editor(language: str, month: str) -> None:
    i18n.set_language(language)
    result = parse("condition_date", "31.2.2020", language)

    assert not result.ok
    assert result.message is not None
    assert f" {month} " in result.message
    assert "31" in result.message
    assert "2020-02" not in result.message
